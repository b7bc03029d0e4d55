/**
 * node:zlib, loaded the first time a compressed cluster or grain is inflated instead of when the
 * image stack is imported: node:zlib loads node:stream with it, ~4 ms of a `cat` or `cp` that
 * never inflates anything (bench/cat-pairs.mjs). Synchronous, for the synchronous readers.
 */
import { createRequire } from "node:module";
import type * as Zlib from "node:zlib";

let loaded: typeof Zlib | undefined;

/** node:zlib, loaded on the first call. */
export function zlib(): typeof Zlib {
  // process.getBuiltinModule (Node >= 20.16) works alike in the ES modules and the CommonJS
  // bundles (where import.meta has no meaning); on Node 20.15 a require made for any file will
  // do: a node: built-in resolves without looking at the file system.
  return (loaded ??= process.getBuiltinModule?.("node:zlib") ?? (createRequire(process.execPath)("node:zlib") as typeof Zlib));
}
