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
// process. So the file starts with a checksum of the source it was made from and one of the V8
// bytes (against accidents, as V8's own check: whoever can write the cache can write the bundle);
// a cache whose checksums do not match is not given to V8 at all. The checksum is plain code, not
// node:zlib's crc32 or node:crypto: each of those modules costs more to load (~4 ms, ~1 ms) than
// the sum takes.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const { Script } = require("node:vm");

const MAGIC = Buffer.from("p2vfix-v8-code-cache-v3\n");
const HASH = 4;
/** Where the V8 bytes start: after the magic and both checksums, on a 4-byte boundary. */
const HEADER = MAGIC.length + 2 * HASH;

/**
 * A 32-bit checksum of `bytes`, a word at a time: each step (xor, multiply by an odd number,
 * rotate) is one-to-one in both the running sum and the word, so bytes that differ in a single
 * word always sum differently; the length is the seed.
 */
function wordSum(bytes) {
  const words = bytes.length >>> 2;
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  const view = new Int32Array(aligned.buffer, aligned.byteOffset, words);
  let sum = bytes.length | 0;
  for (let i = 0; i < words; i++) {
    sum = Math.imul(sum ^ view[i], 0x9e3779b1);
    sum = (sum << 15) | (sum >>> 17);
  }
  for (let i = words * 4; i < bytes.length; i++) {
    sum = Math.imul(sum ^ bytes[i], 0x9e3779b1);
    sum = (sum << 15) | (sum >>> 17);
  }
  return sum >>> 0;
}

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
  if (bytes.length <= HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const payload = bytes.subarray(HEADER);
  const madeFrom = bytes.readUInt32LE(MAGIC.length);
  const payloadSum = bytes.readUInt32LE(MAGIC.length + HASH);
  return payloadSum === wordSum(payload) && madeFrom === wordSum(source) ? payload : undefined;
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
  header.writeUInt32LE(wordSum(bytes), MAGIC.length);
  header.writeUInt32LE(wordSum(payload), MAGIC.length + HASH);
  const path = codeCachePath(file);
  writeFileSync(path, Buffer.concat([header, payload]));
  return path;
}

/** Whether this Node would run `file` from its cache (for the tests). */
function codeCacheAccepted(file) {
  const { source, cachedData } = sourceAndCache(file);
  return cachedData !== undefined && !script(file, source, cachedData).cachedDataRejected;
}

module.exports = { codeCachePath, loadCommonJs, writeCodeCache, codeCacheAccepted };
