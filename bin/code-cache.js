// Loading a CommonJS bundle through a V8 code cache made when it was built (scripts/build-cli.mjs).
// The fast paths (`cat`, `reg export`) run in a few tens of milliseconds, and compiling their
// ~340 KB of JavaScript was a third of that: from the cache, V8 skips parsing and compiling.
//
// The cache holds every function's bytecode: the build compiles the bundle under V8's --no-lazy
// flag and turns the flag back off before serialising. V8 stamps a cache with the flags in force
// when it is serialised and accepts it only under the same flags and V8 build, so a process with
// Node's default flags takes it as it is: loading needs no node:v8 (which loads node:stream, ~5 ms
// of a `cat`). A cache is named after the V8 version that made it: any other Node compiles the
// bundle as usual.
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
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const { Script } = require("node:vm");

const MAGIC = Buffer.from("p2vfix-v8-code-cache-v3\n");
const LENGTH = 4;
/** Where the source starts: after the magic, the source's length and the V8 bytes' length. */
const HEADER = MAGIC.length + 2 * LENGTH;

/** Where the cache of `file` made by this V8 lives. */
const codeCachePath = (file) => `${file}.v8-${process.versions.v8}.cache`;

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

/** The bundle as V8 compiles it: in the same wrapper as Node's own for a CommonJS module. */
function script(file, source, cachedData) {
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return new Script(wrapped, { filename: file, cachedData });
}

/** The bundle's bytes and its cache's V8 bytes when they fit (`cachedData`). */
function sourceAndCache(file) {
  const bytes = readFileSync(file);
  return { source: bytes.toString("utf8"), cachedData: checkedCache(codeCachePath(file), bytes) };
}

/** Runs the CommonJS bundle `file` (an absolute path) and returns its exports. */
function loadCommonJs(file) {
  const { source, cachedData } = sourceAndCache(file);
  const module = { exports: {} };
  script(file, source, cachedData).runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Writes the code cache of `file` for this Node, every function compiled; returns its path. */
function writeCodeCache(file) {
  const bytes = readFileSync(file);
  // Only here: loading node:v8 costs a run more than the rest of this file.
  const { setFlagsFromString } = require("node:v8");
  setFlagsFromString("--no-lazy");
  let compiled;
  try {
    compiled = script(file, bytes.toString("utf8"));
  } finally {
    setFlagsFromString("--lazy");
  }
  // Serialised under the default flags, the ones bin/p2vfix.js runs with.
  const payload = compiled.createCachedData();
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header.writeUInt32LE(bytes.length, MAGIC.length);
  header.writeUInt32LE(payload.length, MAGIC.length + LENGTH);
  const path = codeCachePath(file);
  writeFileSync(path, Buffer.concat([header, bytes, payload, payload]));
  return path;
}

/** Whether this Node would run `file` from its cache (for the tests). */
function codeCacheAccepted(file) {
  const { source, cachedData } = sourceAndCache(file);
  return cachedData !== undefined && !script(file, source, cachedData).cachedDataRejected;
}

module.exports = { codeCachePath, loadCommonJs, writeCodeCache, codeCacheAccepted };
