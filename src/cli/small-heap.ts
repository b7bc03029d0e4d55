/**
 * V8's heap sizing tuned for peak memory instead of speed, for a command whose garbage would
 * otherwise set its peak: a `.reg` import parses millions of short-lived strings while the hive
 * grows, and with the defaults the young generation grew to 16 MiB and old-space garbage
 * waited for a late collection (peak 109 MiB importing the regipy SYSTEM's 27 MB export;
 * 91 MiB with `--optimize-for-size`, no slower: bench/regf-pairs.mjs). A flag set at run time
 * (node:v8 setFlagsFromString) applies to the heap's later resizing, so it is set before the
 * work starts. `node --v8-options` lists it (Node 20's V8).
 */
import { setFlagsFromString } from "node:v8";

export function preferSmallHeap(): void {
  setFlagsFromString("--optimize-for-size");
}
