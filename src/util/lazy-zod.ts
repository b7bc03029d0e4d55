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
  // A bundler sees the plain require("zod") and bundles it (run lazily) or shims it (external);
  // Node's own ESM has no require, so one is made for this file.
  const zod = (typeof require === "function" ? require("zod") : createRequire(import.meta.url)("zod")) as { z: typeof Zod };
  return zod.z;
}

/** A value built from zod on first use and kept: `const schema = lazySchema((zod) => zod.object(...))`. */
export function lazySchema<T>(build: (zod: typeof Zod) => T): () => T {
  let value: T | undefined;
  return () => (value ??= build((loaded ??= loadZod())));
}
