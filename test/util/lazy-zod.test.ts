/**
 * The undo file's and journal's schemas load zod on first use (src/util/lazy-zod.ts). That must
 * work wherever the code runs: as tsc left it (Node's ESM, no require), inside the CLI bundle
 * (a real require from its banner), and inside an ESM bundle that keeps packages external and
 * has only esbuild's require shim, which throws (the batch tests bundle the CLI that way; a
 * rerun after a kill reads the journal, and once failed with "Dynamic require of zod").
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { lazySchema } from "../../src/util/lazy-zod.js";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "p2vfix-lazy-zod-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY = `import { lazySchema } from ${JSON.stringify(join(root, "src/util/lazy-zod.ts"))};
const schema = lazySchema((zod) => zod.object({ state: zod.enum(["applying", "done"]) }));
console.log(JSON.stringify(schema().safeParse({ state: "done" }).success), JSON.stringify(schema().safeParse({ state: "x" }).success));
`;

describe("zod loaded on first use", () => {
  it("in process (as tsc or vitest leaves the module)", () => {
    const schema = lazySchema((zod) => zod.number().int());
    expect(schema().safeParse(3).success).toBe(true);
    expect(schema().safeParse(3.5).success).toBe(false);
  });

  it("inside an ESM bundle with packages external and only esbuild's require shim", () => {
    const top = join(dir, "external");
    mkdirSync(join(top, "out"), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(top, "node_modules"));
    writeFileSync(join(top, "entry.ts"), ENTRY);
    const outfile = join(top, "out", "entry.mjs");
    buildSync({ entryPoints: [join(top, "entry.ts")], bundle: true, platform: "node", format: "esm", packages: "external", outfile, logLevel: "error" });
    const run = spawnSync(process.execPath, [outfile], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("true false");
  });

  it("inside an ESM bundle that carries zod itself", () => {
    const top = join(dir, "inlined");
    mkdirSync(top, { recursive: true });
    writeFileSync(join(top, "entry.ts"), ENTRY);
    const outfile = join(top, "entry.mjs");
    buildSync({ entryPoints: [join(top, "entry.ts")], bundle: true, platform: "node", format: "esm", outfile, nodePaths: [join(root, "node_modules")], logLevel: "error" });
    const run = spawnSync(process.execPath, [outfile], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("true false");
  });
});
