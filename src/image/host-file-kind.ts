/**
 * What a host file named as a target is, judged by its first bytes: a regf hive, a regedit .reg
 * export, or anything else (a disk image or junk, for the container layer to open or refuse).
 * Every command that accepts "a hive file, a .reg export or an image" asks here, so they agree.
 */
import { readFileHead } from "../io/file-head.js";
import { hasRegfSignature, looksLikeRegExport, REG_SNIFF_BYTES } from "../regf/internal.js";

export type HostFileKind = "hive" | "reg-export" | "other";

/** The kind of the regular file at `path`; fs errors (missing, unreadable) propagate. */
export function hostFileKind(path: string): HostFileKind {
  const head = readFileHead(path, REG_SNIFF_BYTES);
  if (hasRegfSignature(head)) return "hive";
  return looksLikeRegExport(head) ? "reg-export" : "other";
}
