/**
 * A directory's $I30 entries as raw bytes, in collation order: what the index writer rebuilds
 * a directory from, read by the reader's own tree walk (index.ts), so a damaged index gives an
 * NtfsError before anything is planned.
 */
import { NtfsError } from "../../../errors.js";
import { AttributeType, type Attribute } from "../attribute.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import type { FileReference } from "../mft-record.js";

/** One index entry: the 8-byte file reference and the $FILE_NAME key, as stored. */
export interface RawIndexEntry {
  reference: bigint;
  key: Uint8Array;
  /** The key's name and namespace, decoded (for lookup and collation). */
  name: string;
  namespace: number;
}

/** The directory's $I30 attributes (base record only: directories with attribute lists are refused). */
export interface I30Attributes {
  root: Attribute & { resident: true };
  allocation?: Attribute;
  bitmap?: Attribute;
}

export function i30Attributes(vol: ReadableNtfsVolume, dir: number): I30Attributes {
  const record = vol.record(dir);
  if (record.attributes.some((attribute) => attribute.type === AttributeType.attributeList)) {
    throw new NtfsError("unsupported", `directory record ${dir} spreads over several MFT records (attribute list); p2vfix does not change such directories`);
  }
  const attrs = record.attributes.filter((attribute) => attribute.name === "$I30");
  const root = attrs.find((attr) => attr.type === AttributeType.indexRoot);
  if (!root || !root.resident) throw new NtfsError("not-a-directory", `MFT record ${dir} has no $I30 index root`);
  const allocation = attrs.find((attr) => attr.type === AttributeType.indexAllocation);
  const bitmap = attrs.find((attr) => attr.type === AttributeType.bitmap);
  if (allocation?.resident) throw new NtfsError("bad-index", `directory record ${dir}: $INDEX_ALLOCATION is resident`);
  return { root: root as Attribute & { resident: true }, allocation, bitmap };
}

/** Every entry of directory `dir`, in the order the tree holds them (the reader's walk: fixups, VCNs, $BITMAP, loops and depth checked). */
export function readDirectoryEntries(vol: ReadableNtfsVolume, dir: number): { entries: RawIndexEntry[] } {
  i30Attributes(vol, dir);
  const entries = vol.directoryIndex(dir).entries().map((indexEntry) => ({ reference: rawReference(indexEntry.reference), key: indexEntry.key.slice(), name: indexEntry.fileName.name, namespace: indexEntry.fileName.namespace }));
  return { entries };
}

/** A file reference as stored (u64: record number in the low 48 bits, sequence number above). */
export function rawReference(reference: FileReference): bigint {
  return BigInt(reference.record) | (BigInt(reference.sequence) << 48n);
}
