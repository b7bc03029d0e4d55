/**
 * node:zlib, loaded the first time a compressed cluster or grain is inflated instead of when the
 * image stack is imported: node:zlib loads node:stream with it, ~4 ms of a `cat` or `cp` that
 * never inflates anything (bench/cat-pairs.mjs). Synchronous, for the synchronous readers.
 */
import type * as Zlib from "node:zlib";

/** node:zlib, loaded on the first call (Node keeps it for the later ones). */
export function zlib(): typeof Zlib {
  // process.getBuiltinModule (Node >= 20.16, package.json's engines) works alike in the ES
  // modules and the CommonJS bundles (where import.meta has no meaning), and needs no
  // node:module (a createRequire costs a fast path ~0.4 ms to load).
  return process.getBuiltinModule("node:zlib");
}
