/**
 * The fast paths' V8 code cache (bin/code-cache.js, made by scripts/build-cli.mjs): a bundle
 * loads through its cache when this Node made it, and any cache that does not fit (another
 * source, damaged bytes, none at all) still gives the bundle's own behaviour, compiled as usual.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { Script } from "node:vm";

const root = resolve(import.meta.dirname, "../..");
// Plain CommonJS beside the launcher (bin/package.json), no type declarations.
const { codeCachePath, loadCommonJs, writeCodeCache, MAIN_CACHE_VARIANTS } = createRequire(import.meta.url)(join(root, "bin/code-cache.js")) as {
  codeCachePath(file: string, variant?: string): string;
  MAIN_CACHE_VARIANTS: Record<string, string>;
  loadCommonJs(file: string): Record<string, unknown> & { scaled(values: number[]): number[]; base: string };
  writeCodeCache(file: string, training?: { entry: string; runs: string[][] }): Promise<string>;
};
const dir = mkdtempSync(join(tmpdir(), "p2vfix-code-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A CommonJS bundle in the shape esbuild writes, with functions only a call compiles: `scaled`,
 * and an entry (`main(argv)`, as a training run calls it: bin/code-cache.js) whose exit code is
 * `scaled` of argv's first number.
 */
function bundle(name: string, factor: number, more = ""): string {
  const file = join(dir, `${name}.cjs`);
  const main = `function main(argv) { return scaled([Number(argv[0])])[0]; }`;
  writeFileSync(file, `"use strict";\nconst path = require("node:path");\nfunction scaled(values) { return values.map((value) => value * ${factor}); }\n${main}\n${more}\nmodule.exports = { scaled, main, base: path.basename(__filename) };\n`);
  return file;
}

/** The V8 bytes' length: the header's second number, after the 24-byte magic and the source's length. */
const payloadLength = (cache: string) => readFileSync(cache).readUInt32LE(28);

/** writeCodeCache in a fresh node: in this one, V8 may hand back a script it compiled before, functions and all. */
function writeInChild(...args: unknown[]): string {
  const call = `require(${JSON.stringify(join(root, "bin/code-cache.js"))}).writeCodeCache(${args.map((arg) => JSON.stringify(arg)).join(", ")}).then((path) => process.stderr.write(path));`;
  // Standard output to the null device, as the build does: a training run writes there.
  const run = spawnSync(process.execPath, ["-e", call], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

/** Loads `file` (with its cache `variant`) in a fresh node (the flags a cache is checked under are per process). */
function loadInChild(file: string, variant = ""): { scaled?: number[]; base?: string; accepted: boolean } {
  const launcher = JSON.stringify(join(root, "bin/code-cache.js"));
  const [f, v] = [JSON.stringify(file), JSON.stringify(variant)];
  const caches = JSON.stringify([codeCachePath(file, variant), codeCachePath(file)]);
  const script = `const { loadCommonJs, codeCacheAccepted } = require(${launcher}); const { existsSync } = require("node:fs"); const m = loadCommonJs(${f}, ${v}); console.log(JSON.stringify({ scaled: m.scaled?.([1, 2, 3]), base: m.base, accepted: ${caches}.some(existsSync) && codeCacheAccepted(${f}, ${v}) }));`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

describe("V8 code cache of a CommonJS bundle", () => {
  it("a cache made by this Node is accepted and the bundle runs from it", async () => {
    const file = bundle("made", 2);
    await writeCodeCache(file);
    expect(loadInChild(file)).toEqual({ scaled: [2, 4, 6], base: "made.cjs", accepted: true });
  });

  it("the cache holds every function's bytecode: more than V8's lazy cache of the same bundle", async () => {
    const file = bundle("eager", 2);
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`;
    // Another source text than writeCodeCache's (one more space): V8 would hand back a script it compiled before.
    const lazy = new Script(`${wrapped} `, { filename: file }).createCachedData();
    // Here ~1,040 bytes against ~710; checked in a fresh node as well (the flags it was made under are no longer in force).
    expect(payloadLength(await writeCodeCache(file))).toBeGreaterThan(1.25 * lazy.length);
    expect(loadInChild(file).accepted).toBe(true);
  });

  it("a trained cache holds the functions its runs called and not the others", async () => {
    // Functions no run calls, one large enough that its bytecode shows in the cache's length.
    const unused = `function unused(values) { let sum = 0; ${Array.from({ length: 40 }, (_, i) => `sum += values[${i}] * ${i + 1} - (values[${i}] >> 1);`).join(" ")} return sum; }\nfunction unusedCaller(values) { return unused(values) + 1; }`;
    const file = bundle("trained", 4, unused);
    const lazy = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n}) `, { filename: file }).createCachedData().length;
    const trained = payloadLength(writeInChild(file, { entry: "main", runs: [["0"], ["0", "again"]] }));
    expect(loadInChild(file)).toEqual({ scaled: [4, 8, 12], base: "trained.cjs", accepted: true });
    const eager = payloadLength(writeInChild(file));
    // More than a cache made before anything ran (main and scaled compiled), less than one of every function (no unused).
    expect(trained).toBeGreaterThan(lazy + 100);
    expect(eager).toBeGreaterThan(trained + 500);
  });

  it("a training run that fails stops the cache's making, with its exit code", async () => {
    const file = bundle("failing", 2);
    await expect(writeCodeCache(file, { entry: "main", runs: [["0"], ["3"]] })).rejects.toThrow(/training run 3 of .*failing\.cjs ended with 6/);
    expect(existsSync(codeCachePath(file))).toBe(false);
    await expect(writeCodeCache(file, { entry: "missing", runs: [["0"]] })).rejects.toThrow(/exports no function missing/);
  });

  it("a bundle's require takes built-ins, and resolves anything else from the bundle's own folder", async () => {
    const inner = mkdtempSync(join(dir, "elsewhere-"));
    const file = join(inner, "relative.cjs");
    writeFileSync(file, `"use strict";\nmodule.exports = { other: require("./other.cjs"), sep: require("node:path").sep };\n`);
    writeFileSync(join(inner, "other.cjs"), "module.exports = 41 + 1;\n");
    expect(loadCommonJs(file)).toEqual({ other: 42, sep });
  });

  it("node:child_process reaches a bundle as a stand-in that loads the module when first used, and works as it", () => {
    // In a child: this test process may have loaded node:child_process already.
    const file = join(dir, "child-process.cjs");
    writeFileSync(
      file,
      `"use strict";\nconst childProcess = require("node:child_process");\nconst loaded = () => process.moduleLoadList.includes("NativeModule child_process");\nconst before = loaded();\nconst echoed = childProcess.spawnSync(process.execPath, ["-e", "process.stdout.write('ok')"]).stdout.toString();\nmodule.exports = { before, after: loaded(), echoed, listed: Object.keys(childProcess).includes("spawnSync"), has: "spawn" in childProcess, same: childProcess === require("node:child_process") };\n`,
    );
    const script = `const m = require(${JSON.stringify(join(root, "bin/code-cache.js"))}).loadCommonJs(${JSON.stringify(file)}); console.log(JSON.stringify(m));`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ before: false, after: true, echoed: "ok", listed: true, has: true, same: true });
  });

  it("a cache variant is used when present, else the default cache", async () => {
    const file = bundle("variants", 5);
    const variant = writeInChild(file, { entry: "main", runs: [["0"]] }, "write");
    expect(variant).toBe(codeCachePath(file, "write"));
    expect(variant).toMatch(/variants\.cjs\.write\.v8-.*\.cache$/);
    expect(loadInChild(file, "write")).toEqual({ scaled: [5, 10, 15], base: "variants.cjs", accepted: true });
    // No default cache: another variant has nothing to load; a damaged variant is not taken.
    expect(loadInChild(file, "other").accepted).toBe(false);
    const bytes = readFileSync(variant);
    writeFileSync(variant, Buffer.from(bytes).fill(0x5a, bytes.length - 40, bytes.length - 24));
    expect(loadInChild(file, "write").accepted).toBe(false);
    // With a default cache, both fall back to it.
    await writeCodeCache(file);
    expect(loadInChild(file, "write").accepted).toBe(true);
    expect(loadInChild(file, "other")).toEqual({ scaled: [5, 10, 15], base: "variants.cjs", accepted: true });
  });

  it("without a cache the bundle is compiled as usual", async () => {
    const file = bundle("none", 3);
    expect(existsSync(codeCachePath(file))).toBe(false);
    expect(loadCommonJs(file).scaled([1, 2])).toEqual([3, 6]);
    expect(loadInChild(file)).toEqual({ scaled: [3, 6, 9], base: "none.cjs", accepted: false });
  });

  it("a cache of another source is rejected: the bundle's own code runs", async () => {
    const file = bundle("changed", 2);
    await writeCodeCache(file);
    // Same length, another factor: only V8's source check tells them apart.
    writeFileSync(file, readFileSync(file, "utf8").replace("value * 2", "value * 5"));
    expect(loadInChild(file)).toEqual({ scaled: [5, 10, 15], base: "changed.cjs", accepted: false });
  });

  it("a damaged cache is rejected: the bundle's own code runs", async () => {
    const file = bundle("damaged", 7);
    const cache = await writeCodeCache(file);
    const whole = readFileSync(cache);
    // In the copy of the source, in the first and in the second copy of the V8 bytes, and cut short.
    const payload = whole.readUInt32LE(28);
    const damaged = [64, whole.length - 2 * payload + 40, whole.length - payload + 40].map((at) => Buffer.from(whole).fill(0x5a, at, at + 16));
    for (const bytes of [...damaged, whole.subarray(0, whole.length - 8)]) {
      writeFileSync(cache, bytes);
      expect(loadInChild(file)).toEqual({ scaled: [7, 14, 21], base: "damaged.cjs", accepted: false });
    }
    writeFileSync(cache, whole);
    expect(loadInChild(file).accepted).toBe(true);
  });

  const built = ["main", "fast-cat", "fast-export"].map((name) => join(root, "dist/cli-bundle", `${name}.cjs`));
  it.skipIf(!built.every(existsSync))("the build's caches (the command line and its variants, the fast paths) are accepted by the Node that runs the tests", () => {
    // Not built when only vitest ran; `npm install` (prepare) and `npm run build` make them.
    for (const file of built) expect(loadInChild(file).accepted, file).toBe(true);
    for (const variant of new Set(Object.values(MAIN_CACHE_VARIANTS))) {
      expect(existsSync(codeCachePath(built[0], variant)), variant).toBe(true);
      expect(loadInChild(built[0], variant).accepted, variant).toBe(true);
    }
  });

  it.skipIf(!built.every(existsSync))("stack traces name a bundle by its path in the package, not the folder it was built in", () => {
    // A script from a code cache keeps the name it had when the cache was made.
    for (const argv of [["cat", join(dir, "missing.img:x")], ["inspect", join(dir, "missing.img")]]) {
      const run = spawnSync(process.execPath, [join(root, "bin/p2vfix.js"), ...argv], { encoding: "utf8", env: { ...process.env, P2VFIX_DEBUG: "1" } });
      expect(run.status, run.stderr).not.toBe(0);
      expect(run.stderr).toMatch(/\(dist\/cli-bundle\/(fast-cat|main)\.cjs:\d+:\d+\)/);
      expect(run.stderr).not.toContain(join(root, "dist/cli-bundle"));
    }
  });
});
