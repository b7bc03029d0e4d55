/**
 * What the built command line loads for its small, frequent commands (start-up is most of their
 * time: bench/cat-pairs.mjs, bench/ntfs-create.mjs). A copy into an image loads neither zod nor
 * yaml (undo and journal schemas are loaded only to read them) nor cli-progress (only a bar that
 * is drawn loads it); a plain `cat` runs from its CommonJS fast path, without main.js or any
 * package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toolsAvailable } from "../helpers/interop.js";
import { mkntfsVolume } from "../fs/ntfs/create-helpers.js";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "p2vfix-start-up-modules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built CLI and returns every ES module it resolved and every CommonJS file it loaded. */
function modulesLoaded(...argv: string[]): { status: number | null; stderr: string; modules: string[] } {
  // A resolve hook lists ES modules; NODE_DEBUG=module lists CommonJS loads (packages come through require()).
  const hook = `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("MOD " + r.url + "\\n"); return r; }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify("data:text/javascript," + encodeURIComponent(hook))});`;
  const run = spawnSync(process.execPath, ["--import", "data:text/javascript," + encodeURIComponent(register), join(root, "bin/p2vfix.js"), ...argv], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NODE_DEBUG: "module" },
  });
  const modules = run.stderr.split("\n").filter((line) => line.startsWith("MOD ") || /^MODULE \d+: load /.test(line));
  return { status: run.status, stderr: run.stderr, modules };
}

const built = existsSync(join(root, "dist/cli-bundle/main.js")) && existsSync(join(root, "dist/cli-bundle/fast-cat.cjs"));

describe.skipIf(!built || !toolsAvailable("mkntfs"))("modules the built CLI loads", () => {
  const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 16 });
  const source = join(dir, "tool.cmd");
  writeFileSync(source, "@echo off\r\n");

  it("cp into an image: no zod, yaml or cli-progress", () => {
    const run = modulesLoaded("cp", source, `${image}:/tool.cmd`);
    expect(run.status, run.stderr).toBe(0);
    // The hook does see what loads.
    expect(run.modules.some((line) => line.includes("/dist/cli-bundle/"))).toBe(true);
    expect(run.modules.filter((line) => /\/node_modules\/(zod|yaml|cli-progress)\//.test(line))).toEqual([]);
  });

  it("cat: the fast path alone (no main.js, no package)", () => {
    const run = modulesLoaded("cat", `${image}:/tool.cmd`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.modules.filter((line) => line.includes("/node_modules/") || line.includes("/dist/cli-bundle/main.js"))).toEqual([]);
  });
});
