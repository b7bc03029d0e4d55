// Loading a CommonJS bundle through a V8 code cache made when it was built (scripts/build-cli.mjs).
// The fast paths (`cat`, `reg export`) run in a few tens of milliseconds, and compiling their
// ~340 KB of JavaScript was a third of that: from the cache, V8 skips parsing and compiling.
//
// What the cache holds: the bytecode of the functions a training run called. The build loads the
// bundle, runs the fast path on small test images (scripts/fast-path-training.mjs) and then
// serialises, so the cache holds what a command uses and no more: deserialising a cache costs in
// proportion to its size, and one of every function (V8's --no-lazy) was ~1.3 ms slower to load
// for a `cat` than a trained one. A function the training did not call compiles on its first
// call, as without a cache. Without the training images (a tree without test/fixtures), the
// cache holds every function instead: the build compiles under --no-lazy and turns the flag back
// off before serialising. V8 stamps a cache with the flags in force when it is serialised and
// accepts it only under the same flags and V8 build, so a process with Node's default flags takes
// either as it is: loading needs no node:v8 (which loads node:stream, ~5 ms of a `cat`). A cache
// is named after the V8 version that made it: any other Node compiles the bundle as usual.
//
// The build escapes every non-ASCII character of a bundle (esbuild leaves some in comments): V8
// takes an ASCII source as one byte per character, which decodes ~1 ms faster than UTF-8 and
// compiles faster too.
//
// V8's own check of a cache is not enough to trust it: it compares the source's length only (an
// edited bundle of the same length would run the old code) and damaged cache bytes can crash the
// process (release builds of V8 neither write nor check the cache's checksum). So the file holds
// the source it was made from and the V8 bytes twice (against accidents, as V8's own check:
// whoever can write the cache can write the bundle); a cache whose source differs from the
// bundle's or whose two copies differ is not given to V8 at all. Byte comparisons and not a
// checksum: memcmp over the ~1.3 MB takes a fraction of a millisecond, node:zlib's crc32 or
// node:crypto cost ~4 and ~3 ms to load (they load node:stream), and a checksum in JavaScript
// ~3 ms before V8 optimises its loop (alternated runs of `cat`: copies 37.5 ms, JavaScript word
// sum 40.0, main's CRC-32 with node:v8 40.4).
"use strict";
const { isAscii } = require("node:buffer");
const { readFileSync, writeFileSync } = require("node:fs");
const { dirname, isAbsolute, relative, sep } = require("node:path");
const { Script } = require("node:vm");

const MAGIC = Buffer.from("p2vfix-v8-code-cache-v3\n");
const LENGTH = 4;
/** Where the source starts: after the magic, the source's length and the V8 bytes' length. */
const HEADER = MAGIC.length + 2 * LENGTH;

/**
 * Where the cache of `file` made by this V8 lives; a `variant` is another cache of the same file,
 * trained on other commands (see MAIN_CACHE_VARIANTS).
 */
const codeCachePath = (file, variant = "") => `${file}${variant ? `.${variant}` : ""}.v8-${process.versions.v8}.cache`;

/**
 * The command line's bundle has one cache per kind of command, each trained on that kind
 * (scripts/fast-path-training.mjs), so that each holds what its commands run and no more: a cache
 * of everything takes longer to load for every command. Commands not named here, and those
 * whose variant is missing, take the default cache (trained on inspect and plan, the code most
 * other commands share).
 */
const MAIN_CACHE_VARIANTS = { cp: "write", mkdir: "write", rm: "write" };

/** The cache variant of the command line's bundle for `command` (argv[0]), or "" for the default. */
const mainCacheVariant = (command) => (Object.hasOwn(MAIN_CACHE_VARIANTS, command) ? MAIN_CACHE_VARIANTS[command] : "");

/** The V8 cache bytes in `cacheFile` when they were made from `source` and both copies agree, else undefined. */
function checkedCache(cacheFile, source) {
  let bytes;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined; // no cache for this Node
  }
  if (bytes.length <= HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const sourceLength = bytes.readUInt32LE(MAGIC.length);
  const payloadLength = bytes.readUInt32LE(MAGIC.length + LENGTH);
  const payloadAt = HEADER + sourceLength;
  if (sourceLength !== source.length || bytes.length !== payloadAt + 2 * payloadLength) return undefined;
  const payload = bytes.subarray(payloadAt, payloadAt + payloadLength);
  const copy = bytes.subarray(payloadAt + payloadLength);
  return bytes.subarray(HEADER, payloadAt).equals(source) && payload.equals(copy) ? payload : undefined;
}

/**
 * The name stack traces give a bundle: its path inside the package ("dist/cli-bundle/main.cjs"),
 * the same wherever the package lies. A script loaded from a code cache keeps the name it had
 * when the cache was made (V8 does not rename it), so an absolute name would show the folder of
 * whoever built the package.
 */
function traceName(file) {
  const inPackage = relative(dirname(__dirname), file);
  return inPackage.startsWith("..") || isAbsolute(inPackage) ? file : inPackage.split(sep).join("/");
}

/** The bundle as V8 compiles it: in the same wrapper as Node's own for a CommonJS module. */
function script(file, source, cachedData) {
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return new Script(wrapped, { filename: traceName(file), cachedData });
}

/** The text of a bundle's bytes: an ASCII one as one byte per character (see above). */
const sourceText = (bytes) => (isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8"));

/** The bundle's bytes and its cache's V8 bytes when they fit (`cachedData`): the variant's, else the default's. */
function sourceAndCache(file, variant = "") {
  const bytes = readFileSync(file);
  const cachedData = (variant ? checkedCache(codeCachePath(file, variant), bytes) : undefined) ?? checkedCache(codeCachePath(file), bytes);
  return { source: sourceText(bytes), cachedData };
}

/**
 * Built-ins that a bundled package loads at its top level for something p2vfix rarely or never
 * does: commander takes node:child_process (and with it net, stream and dgram, ~4 ms of every
 * command) for executable subcommands, which p2vfix has none of. The bundle gets a stand-in that
 * loads the module when a property is first read: `childProcess.spawn(...)` works as before.
 */
const LOADED_ON_FIRST_USE = new Set(["node:child_process"]);
const standIns = new Map();

function loadedOnFirstUse(id) {
  let standIn = standIns.get(id);
  if (!standIn) {
    let real;
    const load = () => (real ??= require(id));
    standIn = new Proxy(
      {},
      {
        get: (_, key) => load()[key],
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => {
          const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
          // Reported configurable: the stand-in's own (empty, extensible) target does not have it.
          return descriptor && { ...descriptor, configurable: true };
        },
      },
    );
    standIns.set(id, standIn);
  }
  return standIn;
}

/**
 * The `require` a bundle gets: Node's built-ins straight away, anything else (a package the
 * bundle leaves out) resolved from the bundle's own folder, as Node's own require would, through
 * a createRequire made on first use: the fast paths need only built-ins and never load
 * node:module for it (~0.4 ms of a `cat`).
 */
function bundleRequire(file) {
  let fromBundle;
  return (id) => {
    if (LOADED_ON_FIRST_USE.has(id)) return loadedOnFirstUse(id);
    if (id.startsWith("node:")) return require(id);
    fromBundle ??= require("node:module").createRequire(file);
    return fromBundle(id);
  };
}

/** Runs a compiled bundle and returns its exports. */
function run(compiled, file) {
  const module = { exports: {} };
  compiled.runInThisContext()(module.exports, bundleRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Runs the CommonJS bundle `file` (an absolute path) and returns its exports; `variant`: which of its caches. */
function loadCommonJs(file, variant = "") {
  const { source, cachedData } = sourceAndCache(file, variant);
  return run(script(file, source, cachedData), file);
}

/** `file` compiled with every function's bytecode. */
function compiledEagerly(file, source) {
  // Only here: loading node:v8 costs a run more than the rest of this file.
  const { setFlagsFromString } = require("node:v8");
  setFlagsFromString("--no-lazy");
  try {
    return script(file, source);
  } finally {
    setFlagsFromString("--lazy");
  }
}

/**
 * `file` compiled, loaded and run as `training` says: `exports[training.entry](argv)` for each of
 * its `runs`, one after the other (an entry may return a promise), with this process's standard
 * output (the build sends it to the null device). A run that does not end with 0 is an error:
 * the command failed on a test image, and the build must not go on.
 */
async function compiledByTraining(file, source, training) {
  const compiled = script(file, source);
  const entry = run(compiled, file)[training.entry];
  if (typeof entry !== "function") throw new Error(`${file} exports no function ${training.entry}`);
  for (const argv of training.runs) {
    const code = await entry(argv);
    if (code !== 0) throw new Error(`training run ${argv.join(" ")} of ${file} ended with ${code}`);
  }
  return compiled;
}

/**
 * Writes the code cache of `file` (its `variant`, see codeCachePath) for this Node and resolves to
 * its path: the functions `training` ran ({ entry, runs }, see compiledByTraining), or every
 * function without one.
 */
async function writeCodeCache(file, training, variant = "") {
  const bytes = readFileSync(file);
  const source = sourceText(bytes);
  const compiled = training ? await compiledByTraining(file, source, training) : compiledEagerly(file, source);
  // Serialised under the default flags, the ones bin/p2vfix.js runs with.
  const payload = compiled.createCachedData();
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header.writeUInt32LE(bytes.length, MAGIC.length);
  header.writeUInt32LE(payload.length, MAGIC.length + LENGTH);
  const path = codeCachePath(file, variant);
  writeFileSync(path, Buffer.concat([header, bytes, payload, payload]));
  return path;
}

/** Whether this Node would run `file` from its cache, the `variant`'s else the default (for the tests). */
function codeCacheAccepted(file, variant = "") {
  const { source, cachedData } = sourceAndCache(file, variant);
  return cachedData !== undefined && !script(file, source, cachedData).cachedDataRejected;
}

module.exports = { codeCachePath, loadCommonJs, writeCodeCache, codeCacheAccepted, MAIN_CACHE_VARIANTS, mainCacheVariant };
