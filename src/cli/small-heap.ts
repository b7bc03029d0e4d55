/**
 * V8's heap sizing tuned for peak memory instead of speed, for a command whose garbage would
 * otherwise set its peak: a `.reg` import parses millions of short-lived strings while the hive
 * grows, and with the defaults the young generation grew to 16 MiB and old-space garbage
 * waited for a late collection. Importing the regipy SYSTEM's 27 MB export peaked at 109 MiB
 * with the defaults, at 89-91 MiB with these flags, in no more time (bench/regf-pairs.mjs).
 * Flags set at run time (node:v8 setFlagsFromString) apply to the heap's later resizing, so
 * they are set before the work starts; `node --v8-options` lists both (Node 20's V8).
 */
import { setFlagsFromString } from "node:v8";

export function preferSmallHeap(): void {
  setFlagsFromString("--optimize-for-size");
  // The semi-spaces (where new objects are born) stay at their initial size instead of doubling.
  setFlagsFromString("--semi-space-growth-factor=1");
}
