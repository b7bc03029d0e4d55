/**
 * Rewriting the non-resident header of a $DATA extent inside an MFT record. The sizes live in
 * the extent whose lowest VCN is 0; new clusters are appended to the runs of the last extent
 * (its highest VCN and mapping pairs change, which can change the attribute's length and move
 * the attributes after it). With one extent both are the same attribute.
 */
import { RefusedError } from "../../../errors.js";
import type { NonResidentAttribute } from "../attribute.js";
import { ntfsReader } from "../ntfs-reader.js";
import { encodeRunlist, type DataRun } from "../runlist.js";
import type { RecordEdit } from "./record-edit.js";
import { writeSize } from "./index-entry-sizes.js";

export interface DataSizes {
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
}

/** Sets the sizes of the first extent (fixed offsets: nothing moves). */
export function setDataSizes(edit: RecordEdit, head: NonResidentAttribute, sizes: DataSizes): void {
  writeSize(edit.bytes, head.offset + 40, sizes.allocatedSize);
  writeSize(edit.bytes, head.offset + 48, sizes.dataSize);
  writeSize(edit.bytes, head.offset + 56, sizes.initializedSize);
}

/**
 * Replaces the mapping pairs of the extent at `extent.offset` with `runs` (absolute VCNs,
 * starting at the extent's lowest VCN) and sets its highest VCN. Throws RefusedError when they
 * no longer fit in the record's allocated bytes (a new extent and attribute list entry would be
 * needed, which this writer does not create). Call last: later attributes of the record move.
 */
export function setExtentRuns(edit: RecordEdit, extent: NonResidentAttribute, runs: DataRun[], path: string): void {
  const bytes = edit.bytes;
  const byteReader = ntfsReader(bytes);
  const at = extent.offset;
  const oldLength = byteReader.u32(at + 4);
  const mappingOffset = byteReader.u16(at + 32);
  const pairs = encodeRunlist(runs);
  const newLength = Math.ceil((mappingOffset + pairs.length) / 8) * 8;
  const bytesInUse = byteReader.u32(24);
  const bytesAllocated = byteReader.u32(28);
  const newInUse = bytesInUse - oldLength + newLength;
  if (newInUse > bytesAllocated) {
    throw new RefusedError(
      "mft-record-full",
      `${path}: the grown runlist needs ${newInUse} bytes in MFT record ${edit.number}, which holds ${bytesAllocated}; growing it would need another attribute list entry, which p2vfix does not create; nothing was written`,
      { path },
    );
  }
  // Move what follows the attribute (later attributes and the end marker), then rewrite it.
  const tail = bytes.slice(at + oldLength, bytesInUse);
  bytes.fill(0, at + mappingOffset, Math.max(bytesInUse, newInUse));
  bytes.set(pairs, at + mappingOffset);
  bytes.set(tail, at + newLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(at + 4, newLength, true);
  view.setUint32(24, newInUse, true);
  const last = runs[runs.length - 1];
  writeSize(bytes, at + 24, last ? last.vcn + last.length - 1 : extent.lowestVcn - 1);
}
