/**
 * The copy of a file's sizes in its parent directory's $I30 index: each index entry's key is
 * the file's $FILE_NAME, whose allocated size (@40) and data size (@48) ntfs-3g keeps in step
 * with the $DATA attribute (ntfs_inode_sync_file_name). Entries live either in the resident
 * $INDEX_ROOT (in the directory's MFT record) or in "INDX" records of $INDEX_ALLOCATION.
 */
import { NtfsError } from "../../../errors.js";
import { AttributeType } from "../attribute.js";
import { fileReferenceAt } from "../mft-record.js";
import { ntfsReader } from "../ntfs-reader.js";
import { applyFixups, protectRecord } from "../update-sequence.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import type { PendingWrites } from "./pending-writes.js";
import { loadRecord, type RecordEdit } from "./record-edit.js";

const ENTRY_LAST = 0x2;
const FILE_NAME_ALLOCATED_SIZE = 40;
const FILE_NAME_DATA_SIZE = 48;

/** A name of the file as its $FILE_NAME attribute gives it. */
export interface NameToUpdate {
  directory: number;
  name: string;
  namespace: number;
}

export interface UpdatedIndexEntry {
  directory: number;
  name: string;
  /** "INDEX_ROOT" or "INDX record at VCN n". */
  node: string;
}

export function writeSize(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(at, BigInt(value), true);
}

/** Offsets of the keys in the node whose header is at `headerOffset` that name `target`'s `names`. */
function matchingKeys(bytes: Uint8Array, headerOffset: number, target: number, names: NameToUpdate[], what: string): Array<{ keyOffset: number; name: NameToUpdate }> {
  const byteReader = ntfsReader(bytes);
  const entriesOffset = byteReader.u32(headerOffset);
  const end = headerOffset + byteReader.u32(headerOffset + 4);
  if (end > bytes.length || entriesOffset < 16) throw new NtfsError("bad-index", `${what}: node header does not fit`, { offset: headerOffset });
  const found: Array<{ keyOffset: number; name: NameToUpdate }> = [];
  // Entries are at least 16 bytes and pos only grows: bounded by the node length.
  for (let pos = headerOffset + entriesOffset; ; ) {
    if (pos + 16 > end) throw new NtfsError("bad-index", `${what}: entries run past the node`, { offset: pos });
    const length = byteReader.u16(pos + 8);
    const keyLength = byteReader.u16(pos + 10);
    const flags = byteReader.u16(pos + 12);
    if (length < 16 || length % 8 !== 0 || pos + length > end) throw new NtfsError("bad-index", `${what}: entry length ${length} is invalid`, { offset: pos + 8 });
    if (flags & ENTRY_LAST) break;
    if (keyLength >= 66 && 16 + keyLength <= length && fileReferenceAt(byteReader, pos).record === target) {
      const key = pos + 16;
      const nameLength = byteReader.u8(key + 64);
      const namespace = byteReader.u8(key + 65);
      const name = byteReader.utf16(key + 66, nameLength * 2);
      const match = names.find((nameToUpdate) => nameToUpdate.name === name && nameToUpdate.namespace === namespace);
      if (match) found.push({ keyOffset: key, name: match });
    }
    pos += length;
  }
  return found;
}

/**
 * Queues the index nodes (directory records or INDX records) in which the entries for `names`
 * of file `target` now carry `allocatedSize`/`dataSize`. Directory records are edited through
 * `records` so that several changes to one record are written once. Throws when an entry is
 * missing: the index then does not describe the file and the volume needs chkdsk.
 */
export function updateIndexSizes(
  vol: ReadableNtfsVolume,
  target: number,
  names: NameToUpdate[],
  sizes: { allocatedSize: number; dataSize: number },
  records: Map<number, RecordEdit>,
  pending: PendingWrites,
): UpdatedIndexEntry[] {
  const updated: UpdatedIndexEntry[] = [];
  const patch = (bytes: Uint8Array, keyOffset: number) => {
    writeSize(bytes, keyOffset + FILE_NAME_ALLOCATED_SIZE, sizes.allocatedSize);
    writeSize(bytes, keyOffset + FILE_NAME_DATA_SIZE, sizes.dataSize);
  };
  const directories = [...new Set(names.map((nameToUpdate) => nameToUpdate.directory))];
  for (const dir of directories) {
    const wanted = names.filter((nameToUpdate) => nameToUpdate.directory === dir);
    const what = `directory record ${dir}`;
    const attrs = vol.attributes(dir).filter((attribute) => attribute.name === "$I30");
    const root = attrs.find((attr) => attr.type === AttributeType.indexRoot);
    if (!root?.resident) throw new NtfsError("bad-index", `${what} has no $I30 index root`);
    // The root lives in the directory's base record or, with an attribute list, an extension.
    const holder = root.recordNumber;
    const edit = records.get(holder) ?? loadRecord(vol, holder);
    const rootAttr = edit.parsed.attributes.find((attribute) => attribute.type === AttributeType.indexRoot && attribute.name === "$I30");
    if (!rootAttr?.resident) throw new NtfsError("bad-index", `${what}: $I30 index root not found in record ${holder}`);
    const valueOffset = rootAttr.offset + ntfsReader(edit.bytes).u16(rootAttr.offset + 20);
    const rootKeys = matchingKeys(edit.bytes, valueOffset + 16, target, wanted, `${what} index root`);
    for (const rootKey of rootKeys) {
      patch(edit.bytes, rootKey.keyOffset);
      updated.push({ directory: dir, name: rootKey.name.name, node: "INDEX_ROOT" });
    }
    if (rootKeys.length) records.set(holder, edit);
    const rest = wanted.filter((nameToUpdate) => !rootKeys.some((rootKey) => rootKey.name === nameToUpdate));
    if (rest.length === 0) continue;
    const allocation = attrs.filter((attr) => attr.type === AttributeType.indexAllocation);
    if (allocation.length === 0) throw new NtfsError("index-entry-missing", `${what}: no index entry for "${rest[0].name}" (record ${target})`);
    const stream = vol.stream(dir, AttributeType.indexAllocation, "$I30");
    const recordSize = ntfsReader(root.value).u32(8);
    if (recordSize < 512 || recordSize > 65536 || (recordSize & (recordSize - 1)) !== 0) throw new NtfsError("bad-index", `${what}: index record size ${recordSize} is invalid`);
    const count = Math.floor(stream.size / recordSize);
    const bitmap = vol.stream(dir, AttributeType.bitmap, "$I30");
    const bits = bitmap.read(0, Math.min(bitmap.size, Math.ceil(count / 8)));
    const vcnUnit = recordSize >= vol.boot.clusterSize ? vol.boot.clusterSize : 512;
    let remaining = rest;
    for (let i = 0; i < count && remaining.length > 0; i++) {
      if (!((bits[i >> 3] ?? 0) & (1 << (i & 7)))) continue;
      const raw = stream.read(i * recordSize, recordSize);
      if (ntfsReader(raw).ascii(0, 4) !== "INDX") continue;
      const vcn = (i * recordSize) / vcnUnit;
      const nodeWhat = `${what} index node ${vcn}`;
      // In place: `raw` is DataStream.read's own buffer, read for this node alone.
      const bytes = applyFixups(raw, 0, nodeWhat, true);
      const keys = matchingKeys(bytes, 24, target, remaining, nodeWhat);
      if (keys.length === 0) continue;
      for (const key of keys) {
        patch(bytes, key.keyOffset);
        updated.push({ directory: dir, name: key.name.name, node: `INDX record at VCN ${vcn}` });
      }
      remaining = remaining.filter((nameToUpdate) => !keys.some((key) => key.name === nameToUpdate));
      const protectedBytes = protectRecord(bytes, 0, nodeWhat);
      let at = 0;
      for (const piece of stream.mapRange(i * recordSize, recordSize)) {
        if (piece.deviceOffset === null) throw new NtfsError("bad-index", `${nodeWhat} is sparse`);
        pending.add(piece.deviceOffset, protectedBytes.subarray(at, at + piece.length), nodeWhat);
        at += piece.length;
      }
    }
    if (remaining.length) throw new NtfsError("index-entry-missing", `${what}: no index entry for "${remaining[0].name}" (record ${target})`);
  }
  return updated;
}
