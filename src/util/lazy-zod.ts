/**
 * zod, loaded the first time a schema is needed instead of when a module is imported. The
 * undo file and the journal are written by every write command but read only by `undo` and
 * recovery: `cp`, `mkdir`, `rm` (and any write) need not pay zod's ~50 ms of loading at start-up
 * (docs/ntfs-create.md, "Performance"). Loaded through require (zod ships a CommonJS build)
 * because the callers are synchronous.
 */
import { createRequire } from "node:module";
import type { z as Zod } from "zod";

let loaded: typeof Zod | undefined;

function loadZod(): typeof Zod {
  // A bundler sees the plain require("zod") and bundles it (run lazily) or hands it to a real
  // require (the CLI bundle's banner). An ESM bundle with packages external and no real require
  // gets esbuild's shim, which throws "Dynamic require ... is not supported": then, as in Node's
  // own ESM (no require at all), a require is made for this file.
  if (typeof require === "function") {
    try {
      return (require("zod") as { z: typeof Zod }).z;
    } catch {
      // the shim: resolved from this file below
    }
  }
  return (createRequire(import.meta.url)("zod") as { z: typeof Zod }).z;
}

/** A value built from zod on first use and kept: `const schema = lazySchema((zod) => zod.object(...))`. */
export function lazySchema<T>(build: (zod: typeof Zod) => T): () => T {
  let value: T | undefined;
  return () => (value ??= build((loaded ??= loadZod())));
}
