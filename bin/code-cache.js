// Loading a CommonJS bundle through a V8 code cache made when it was built (scripts/build-cli.mjs).
// The fast paths (`cat`, `reg export`) run in a few tens of milliseconds, and compiling their
// ~340 KB of JavaScript was a third of that: from the cache, V8 skips parsing and compiling.
//
// The cache holds every function's bytecode: it is made with V8's --no-lazy flag. V8 accepts a
// cache only under the flags it was made with and for the same V8 build, so the flag is set for
// the moment of compiling here too, and a cache is named after the V8 version that made it: any
// other Node compiles the bundle as usual.
//
// V8's own check of a cache is not enough to trust it: it compares the source's length only (an
// edited bundle of the same length would run the old code) and damaged cache bytes can crash the
// process. So the file starts with a CRC-32 of the source it was made from and of the V8 bytes
// (against accidents, as V8's own check: whoever can write the cache can write the bundle); a
// cache whose checksums do not match is not given to V8 at all. node:zlib's crc32 and not a
// SHA-256: the bundles load zlib anyway, and loading node:crypto cost a millisecond more.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const { setFlagsFromString } = require("node:v8");
const { Script } = require("node:vm");
const { crc32 } = require("node:zlib");

const MAGIC = Buffer.from("p2vfix-v8-cache-2\n");
const HASH = 4;
/** A checksum as 4 bytes (little-endian). */
const checksum = (bytes) => {
  const out = Buffer.alloc(HASH);
  out.writeUInt32LE(crc32(bytes));
  return out;
};

/** Where the cache of `file` made by this V8 lives. */
const codeCachePath = (file) => `${file}.v8-${process.versions.v8}.cache`;

/** The V8 cache bytes in `cacheFile` when they were made from `source` and are whole, else undefined. */
function checkedCache(cacheFile, source) {
  let bytes;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined; // no cache for this Node
  }
  const header = MAGIC.length + 2 * HASH;
  if (bytes.length <= header || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const payload = bytes.subarray(header);
  const madeFrom = bytes.subarray(MAGIC.length, MAGIC.length + HASH);
  const payloadHash = bytes.subarray(MAGIC.length + HASH, header);
  return madeFrom.equals(checksum(source)) && payloadHash.equals(checksum(payload)) ? payload : undefined;
}

/** `use(script)` of the bundle compiled lazily, or eagerly (from `cachedData` when given) under the flags a cache is made with. */
function compiled(file, source, use, eager, cachedData) {
  // The same wrapper as Node's own for a CommonJS module.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  if (!eager) return use(new Script(wrapped, { filename: file }));
  // Made and checked under the same flags: V8 stamps a cache with the flags in force when it is created.
  setFlagsFromString("--no-lazy");
  try {
    return use(new Script(wrapped, { filename: file, cachedData }));
  } finally {
    setFlagsFromString("--lazy");
  }
}

/** Runs the CommonJS bundle `file` (an absolute path) and returns its exports. */
function loadCommonJs(file) {
  const source = readFileSync(file, "utf8");
  const cachedData = checkedCache(codeCachePath(file), source);
  const script = compiled(file, source, (compiledScript) => compiledScript, cachedData !== undefined, cachedData);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Writes the code cache of `file` for this Node; returns its path. */
function writeCodeCache(file) {
  const source = readFileSync(file, "utf8");
  const payload = compiled(file, source, (script) => script.createCachedData(), true);
  const path = codeCachePath(file);
  writeFileSync(path, Buffer.concat([MAGIC, checksum(source), checksum(payload), payload]));
  return path;
}

/** Whether this Node would run `file` from its cache (for the tests). */
function codeCacheAccepted(file) {
  const source = readFileSync(file, "utf8");
  const cachedData = checkedCache(codeCachePath(file), source);
  return cachedData !== undefined && compiled(file, source, (script) => !script.cachedDataRejected, true, cachedData);
}

module.exports = { codeCachePath, loadCommonJs, writeCodeCache, codeCacheAccepted };
