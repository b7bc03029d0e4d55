/** `--partition` is read the same way by every command that takes it: a bad number is a usage error (exit 2) before anything is opened. */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { ExitCode } from "../../src/errors.js";

const commands = [
  ["plan", "missing.vhdx"],
  ["apply", "missing.vhdx", "missing-plan.yaml"],
  ["reg", "ls", "missing.vhdx:SYSTEM"],
  ["mkdir", "missing.vhdx:/p2vfix"],
];

describe("--partition", () => {
  for (const args of commands) {
    for (const bad of ["x", "-1", "", "1.5"]) {
      it(`${args[0]} ${args[1]}: --partition ${JSON.stringify(bad)} is refused as a usage error`, async () => {
        const out = captureOutput();
        const code = await main([...args, "--partition", bad], out);
        expect(code).toBe(ExitCode.usage);
        expect(out.stderr()).toContain(`bad-partition: --partition needs a partition number, not ${JSON.stringify(bad)}`);
      });
    }
  }
});
