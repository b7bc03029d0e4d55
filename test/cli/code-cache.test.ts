/**
 * The fast paths' V8 code cache (bin/code-cache.js, made by scripts/build-cli.mjs): a bundle
 * loads through its cache when this Node made it, and any cache that does not fit (another
 * source, damaged bytes, none at all) still gives the bundle's own behaviour, compiled as usual.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { Script } from "node:vm";

const root = resolve(import.meta.dirname, "../..");
// Plain CommonJS beside the launcher (bin/package.json), no type declarations.
const { codeCachePath, loadCommonJs, writeCodeCache } = createRequire(import.meta.url)(join(root, "bin/code-cache.js")) as {
  codeCachePath(file: string): string;
  loadCommonJs(file: string): { scaled(values: number[]): number[]; base: string };
  writeCodeCache(file: string): string;
};
const dir = mkdtempSync(join(tmpdir(), "p2vfix-code-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CommonJS bundle in the shape esbuild writes, with a function only a call compiles. */
function bundle(name: string, factor: number): string {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, `"use strict";\nconst path = require("node:path");\nfunction scaled(values) { return values.map((value) => value * ${factor}); }\nmodule.exports = { scaled, base: path.basename(__filename) };\n`);
  return file;
}

/** Loads `file` in a fresh node (the flags a cache is checked under are per process). */
function loadInChild(file: string): { scaled?: number[]; base?: string; accepted: boolean } {
  const launcher = JSON.stringify(join(root, "bin/code-cache.js"));
  const script = `const { loadCommonJs, codeCacheAccepted } = require(${launcher}); const { existsSync } = require("node:fs"); const m = loadCommonJs(${JSON.stringify(file)}); const cache = ${JSON.stringify(codeCachePath(file))}; console.log(JSON.stringify({ scaled: m.scaled?.([1, 2, 3]), base: m.base, accepted: existsSync(cache) && codeCacheAccepted(${JSON.stringify(file)}) }));`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

describe("V8 code cache of a CommonJS bundle", () => {
  it("a cache made by this Node is accepted and the bundle runs from it", () => {
    const file = bundle("made", 2);
    writeCodeCache(file);
    expect(loadInChild(file)).toEqual({ scaled: [2, 4, 6], base: "made.cjs", accepted: true });
  });

  it("the cache holds every function's bytecode: more than V8's lazy cache of the same bundle", () => {
    const file = bundle("eager", 2);
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`;
    // Another source text than writeCodeCache's (one more space): V8 would hand back a script it compiled before.
    const lazy = new Script(`${wrapped} `, { filename: file }).createCachedData();
    // Here ~1,040 bytes against ~710; checked in a fresh node as well (the flags it was made under are no longer in force).
    // The V8 bytes' length is the header's second number, after the 24-byte magic and the source's length.
    expect(readFileSync(writeCodeCache(file)).readUInt32LE(28)).toBeGreaterThan(1.25 * lazy.length);
    expect(loadInChild(file).accepted).toBe(true);
  });

  it("without a cache the bundle is compiled as usual", () => {
    const file = bundle("none", 3);
    expect(existsSync(codeCachePath(file))).toBe(false);
    expect(loadCommonJs(file).scaled([1, 2])).toEqual([3, 6]);
    expect(loadInChild(file)).toEqual({ scaled: [3, 6, 9], base: "none.cjs", accepted: false });
  });

  it("a cache of another source is rejected: the bundle's own code runs", () => {
    const file = bundle("changed", 2);
    writeCodeCache(file);
    // Same length, another factor: only V8's source check tells them apart.
    writeFileSync(file, readFileSync(file, "utf8").replace("value * 2", "value * 5"));
    expect(loadInChild(file)).toEqual({ scaled: [5, 10, 15], base: "changed.cjs", accepted: false });
  });

  it("a damaged cache is rejected: the bundle's own code runs", () => {
    const file = bundle("damaged", 7);
    const cache = writeCodeCache(file);
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

  const built = ["fast-cat", "fast-export"].map((name) => join(root, "dist/cli-bundle", `${name}.cjs`));
  it.skipIf(!built.every(existsSync))("the build's fast-path caches are accepted by the Node that runs the tests", () => {
    // Not built when only vitest ran; `npm install` (prepare) and `npm run build` make them.
    for (const file of built) expect(loadInChild(file).accepted, file).toBe(true);
  });
});
