/**
 * zod, loaded the first time a schema is needed instead of when a module is imported. The
 * undo file and the journal are written by every write command but read only by `undo` and
 * recovery: `cp`, `mkdir`, `rm` (and any write) need not pay zod's ~50 ms of loading at start-up
 * (docs/ntfs-create.md, "Performance"). Loaded through require (require-package.ts).
 */
import type { z as Zod } from "zod";
import { requirePackage } from "./require-package.js";

let loaded: typeof Zod | undefined;

const loadZod = (): typeof Zod => requirePackage<{ z: typeof Zod }>("zod", () => require("zod")).z;

/** A value built from zod on first use and kept: `const schema = lazySchema((zod) => zod.object(...))`. */
export function lazySchema<T>(build: (zod: typeof Zod) => T): () => T {
  let value: T | undefined;
  return () => (value ??= build((loaded ??= loadZod())));
}
