import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/run-tmpdir.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: keep workers to the machine so interop tests that spawn peers do not starve.
    maxWorkers: 2,
  },
});
