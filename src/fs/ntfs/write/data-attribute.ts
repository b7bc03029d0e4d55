/**
 * Rewriting the non-resident header of a $DATA attribute inside an MFT record: sizes, highest
 * VCN and, when clusters were added, the mapping pairs (which can change the attribute's
 * length and move the attributes after it).
 */
import { RefusedError } from "../../../errors.js";
import type { NonResidentAttribute } from "../attribute.js";
import { ntfsReader } from "../ntfs-reader.js";
import { encodeRunlist, type DataRun } from "../runlist.js";
import type { RecordEdit } from "./record-edit.js";
import { writeSize } from "./index-entry-sizes.js";

export interface DataHeaderUpdate {
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
  /** New runs when the allocation changed; undefined keeps the mapping pairs as they are. */
  runs?: DataRun[];
}

/**
 * Applies `update` to the attribute at `attr.offset` of the record. Throws RefusedError when
 * the new mapping pairs do not fit in the record's allocated bytes (an attribute list would be
 * needed, which this writer does not create).
 */
export function updateDataHeader(edit: RecordEdit, attr: NonResidentAttribute, update: DataHeaderUpdate, path: string): void {
  const bytes = edit.bytes;
  const r = ntfsReader(bytes);
  const at = attr.offset;
  if (update.runs) {
    const oldLength = r.u32(at + 4);
    const mappingOffset = r.u16(at + 32);
    const pairs = encodeRunlist(update.runs);
    const newLength = Math.ceil((mappingOffset + pairs.length) / 8) * 8;
    const bytesInUse = r.u32(24);
    const bytesAllocated = r.u32(28);
    const newInUse = bytesInUse - oldLength + newLength;
    if (newInUse > bytesAllocated) {
      throw new RefusedError(
        "mft-record-full",
        `${path}: the grown runlist needs ${newInUse} bytes in MFT record ${edit.number}, which holds ${bytesAllocated}; growing it would need an attribute list, which p2vfix does not create; nothing was written`,
        { path },
      );
    }
    // Move what follows the attribute (later attributes and the end marker), then rewrite it.
    const tail = bytes.slice(at + oldLength, bytesInUse);
    bytes.fill(0, at + mappingOffset, Math.max(bytesInUse, newInUse));
    bytes.set(pairs, at + mappingOffset);
    bytes.set(tail, at + newLength);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(at + 4, newLength, true);
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(24, newInUse, true);
    const last = update.runs[update.runs.length - 1];
    writeSize(bytes, at + 24, last ? last.vcn + last.length - 1 : -1);
  }
  writeSize(bytes, at + 40, update.allocatedSize);
  writeSize(bytes, at + 48, update.dataSize);
  writeSize(bytes, at + 56, update.initializedSize);
}
