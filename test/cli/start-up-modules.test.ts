/**
 * What the built command line loads for its small, frequent commands (start-up is most of their
 * time: bench/cat-pairs.mjs, bench/ntfs-create.mjs). A copy into an image loads neither zod nor
 * yaml (undo and journal schemas are loaded only to read them) nor cli-progress (only a bar that
 * is drawn loads it); a plain `cat` runs from its CommonJS fast path, without the main bundle or any
 * package, and neither it nor `reg export` loads node:v8, node:zlib or node:stream (each costs a
 * few milliseconds of a ~40 ms run: bin/code-cache.js, util/lazy-zlib.ts, util/crc32.ts).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureFile } from "../helpers/fixtures.js";
import { toolsAvailable } from "../helpers/interop.js";
import { mkntfsVolume } from "../fs/ntfs/create-helpers.js";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "p2vfix-start-up-modules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the built CLI and returns every CommonJS file it loaded (NODE_DEBUG=module: packages come
 * through require()) and every bundle it read (bin/code-cache.js reads a bundle with
 * fs.readFileSync and compiles it itself: a preload notes each .cjs file read).
 */
function modulesLoaded(...argv: string[]): { status: number | null; stderr: string; modules: string[] } {
  const preload = join(dir, "list-bundles.cjs");
  writeFileSync(preload, `const fs = require("node:fs");\nconst read = fs.readFileSync;\nfs.readFileSync = function (path, ...rest) {\n  if (typeof path === "string" && path.endsWith(".cjs")) fs.writeSync(2, "BUNDLE " + path + "\\n");\n  return read.call(this, path, ...rest);\n};\n`);
  const run = spawnSync(process.execPath, ["--require", preload, join(root, "bin/p2vfix.js"), ...argv], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NODE_DEBUG: "module" },
  });
  const modules = run.stderr.split("\n").filter((line) => line.startsWith("BUNDLE ") || /^MODULE \d+: load /.test(line));
  return { status: run.status, stderr: run.stderr, modules };
}

/** The built-in modules Node loaded for the built CLI, beyond those its own start-up loads (process.moduleLoadList). */
function builtinsLoaded(...argv: string[]): { status: number | null; stderr: string; builtins: string[] } {
  const preload = join(dir, "list-builtins.cjs");
  writeFileSync(
    preload,
    `const before = new Set(process.moduleLoadList);\nprocess.on("exit", () => require("node:fs").writeSync(2, process.moduleLoadList.filter((m) => !before.has(m)).map((m) => "BUILTIN " + m + "\\n").join("")));\n`,
  );
  // Standard output to /dev/null: a hive's export is megabytes.
  const run = spawnSync(process.execPath, ["--require", preload, join(root, "bin/p2vfix.js"), ...argv], { cwd: dir, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "ignore", "pipe"] });
  const builtins = run.stderr.split("\n").filter((line) => line.startsWith("BUILTIN ")).map((line) => line.slice("BUILTIN NativeModule ".length));
  return { status: run.status, stderr: run.stderr, builtins };
}

/** Built-ins that load node:stream (or are it): a few milliseconds each on a fast path. */
const heavyBuiltins = (builtins: string[]) => builtins.filter((name) => /^(v8|zlib|stream|internal\/streams\/|internal\/heap_utils)/.test(name));

const built = existsSync(join(root, "dist/cli-bundle/main.cjs")) && existsSync(join(root, "dist/cli-bundle/fast-cat.cjs"));

describe.skipIf(process.platform === "win32")("the command as installed (bin/p2vfix.js run through its first line)", () => {
  it("runs Node with V8's thread pool sized to the machine (--v8-pool-size=0)", () => {
    // What Node was started with, seen from inside: NODE_OPTIONS loads the preload and is not in execArgv.
    const preload = join(dir, "exec-argv.cjs");
    writeFileSync(preload, `require("node:fs").writeSync(2, "EXECARGV " + JSON.stringify(process.execArgv) + "\\n");\n`);
    const run = spawnSync(join(root, "bin/p2vfix.js"), ["--version"], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const line = run.stderr.split("\n").find((text) => text.startsWith("EXECARGV "));
    expect(JSON.parse(line!.slice("EXECARGV ".length))).toEqual(["--v8-pool-size=0"]);
  });
});

describe.skipIf(!built || !toolsAvailable("mkntfs"))("modules the built CLI loads", () => {
  const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 16 });
  const source = join(dir, "tool.cmd");
  writeFileSync(source, "@echo off\r\n");

  it("cp into an image: no zod, yaml or cli-progress", () => {
    const run = modulesLoaded("cp", source, `${image}:/tool.cmd`);
    expect(run.status, run.stderr).toBe(0);
    // The lists do see what loads: the command line's bundle, and the CommonJS loader of it.
    expect(run.modules.some((line) => line.startsWith("BUNDLE ") && line.endsWith("/dist/cli-bundle/main.cjs"))).toBe(true);
    expect(run.modules.some((line) => line.startsWith("MODULE ") && line.includes("code-cache.js"))).toBe(true);
    expect(run.modules.filter((line) => /\/node_modules\/(zod|yaml|cli-progress)\//.test(line))).toEqual([]);
  });

  it("cp into an image: node:child_process is not loaded (commander's, taken on first use: bin/code-cache.js)", () => {
    const run = builtinsLoaded("cp", source, `${image}:/tool2.cmd`);
    expect(run.status, run.stderr).toBe(0);
    // The preload does see what loads: the bundle's compiler module.
    expect(run.builtins).toContain("vm");
    expect(run.builtins.filter((name) => /^(child_process|net|dgram)$/.test(name))).toEqual([]);
  });

  it.skipIf(process.platform !== "linux")("cp reads /proc/locks once, started before the command line's bundle loads (src/apply/proc-locks-ahead.ts)", () => {
    // Each bundle read, and each open or read of /proc/locks, in the order they happen.
    const preload = join(dir, "list-proc-locks.cjs");
    writeFileSync(
      preload,
      [
        `const fs = require("node:fs");`,
        `const note = (what) => fs.writeSync(2, what + "\\n");`,
        `const open = fs.openSync, read = fs.readFileSync;`,
        `fs.openSync = function (path, ...rest) { if (path === "/proc/locks") note("OPEN /proc/locks"); return open.call(this, path, ...rest); };`,
        `fs.readFileSync = function (path, ...rest) { if (path === "/proc/locks") note("READ /proc/locks"); else if (typeof path === "string" && path.endsWith(".cjs")) note("BUNDLE " + path.split("/").pop()); return read.call(this, path, ...rest); };`,
      ].join("\n"),
    );
    const run = spawnSync(process.execPath, ["--require", preload, join(root, "bin/p2vfix.js"), "cp", source, `${image}:/tool3.cmd`], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const events = run.stderr.split("\n").filter((line) => /^(OPEN|READ|BUNDLE) /.test(line));
    // Opened once, by the small bundle, before main.cjs is read; the command line's copy of the
    // module found that read, and the in-use check took its text instead of reading the file again.
    expect(events).toEqual(["BUNDLE proc-locks-ahead.cjs", "OPEN /proc/locks", "BUNDLE main.cjs"]);
  });

  it("cat: the fast path alone (no main bundle, no package)", () => {
    const run = modulesLoaded("cat", `${image}:/tool.cmd`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.modules.filter((line) => line.startsWith("BUNDLE "))).toEqual([expect.stringMatching(/\/dist\/cli-bundle\/fast-cat\.cjs$/)]);
    expect(run.modules.filter((line) => line.includes("/node_modules/"))).toEqual([]);
  });

  it("cat and reg export to standard output: no node:v8, node:zlib or node:stream", () => {
    const cat = builtinsLoaded("cat", `${image}:/tool.cmd`);
    expect(cat.status, cat.stderr).toBe(0);
    // The preload does see what loads: the fast path's own compiler module.
    expect(cat.builtins).toContain("vm");
    expect(heavyBuiltins(cat.builtins)).toEqual([]);
    const hive = join(dir, "system.hiv");
    copyFileSync(fixtureFile("image/SYSTEM"), hive);
    const exported = builtinsLoaded("reg", "export", hive);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.builtins).toContain("vm");
    expect(heavyBuiltins(exported.builtins)).toEqual([]);
  });
});
