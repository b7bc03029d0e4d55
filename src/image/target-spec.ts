/**
 * Parses the `IMAGE:PATH` form users give for a file inside a disk image, e.g.
 * `disk.vhdx:Windows/System32/config/SYSTEM` or `disk.vhdx:SYSTEM`. A colon can also be part of
 * the host path (`C:\images\disk.vhdx`), so the image part is the longest prefix that exists.
 */
import { existsSync } from "node:fs";

export interface TargetSpec {
  /** Host path of the image file, mounted root folder or hive file. */
  container: string;
  /** Path inside it, when the spec had one. */
  inner?: string;
}

export function parseTargetSpec(spec: string, exists: (path: string) => boolean = existsSync): TargetSpec {
  if (exists(spec)) return { container: spec };
  for (let i = spec.lastIndexOf(":"); i > 0; i = spec.lastIndexOf(":", i - 1)) {
    const prefix = spec.slice(0, i);
    // A bare drive letter ("C") is never the image.
    if (/^[A-Za-z]$/.test(prefix)) break;
    if (exists(prefix)) return { container: prefix, inner: spec.slice(i + 1) };
  }
  return { container: spec };
}
