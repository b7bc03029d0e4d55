/**
 * Growing $MFT when every record is in use, as ntfs-3g does (mft.c ntfs_mft_data_extend_allocation
 * and ntfs_mft_bitmap_extend_initialized): new clusters for $MFT's $DATA, taken right after
 * its last run (the MFT zone is there for this), the new records formatted as free "FILE"
 * records, data and initialized size raised, and $MFT's $BITMAP made long enough for them.
 * Record 0 is rewritten, and with it its $MFTMirr copy (record-edit.ts commitRecordBytes).
 *
 * Refused ("mft-full") when $MFT spreads over several records (attribute list) or its
 * $BITMAP has no allocated room left for the new bits: p2vfix does not create extents.
 */
import { RefusedError } from "../../../errors.js";
import { AttributeType, type NonResidentAttribute } from "../attribute.js";
import { decodeRunlist, mapRunRange, type DataRun } from "../runlist.js";
import { protectRecord } from "../update-sequence.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import { allocateClusters } from "../write/cluster-bitmap.js";
import type { PendingWrites } from "../write/pending-writes.js";
import { commitRecordBytes, loadRecord } from "../write/record-edit.js";
import { align8, existingAttributes, layoutRecord, nonResidentAttribute, residentAttribute } from "./record-layout.js";

/** Records added per growth: 256 (a quarter MiB with 1 KiB records). */
export const MFT_GROWTH_RECORDS = 256;
/** Largest piece the new records are written in. */
const GROWTH_WRITE = 4096;

function refuse(why: string): never {
  throw new RefusedError("mft-full", `the MFT has no free record and ${why}; nothing was written`);
}

/** Queues the growth of $MFT by at least `records` records. */
export function growMft(vol: ReadableNtfsVolume, records: number, pending: PendingWrites): void {
  const rs = vol.boot.mftRecordSize;
  const cs = vol.geometry.clusterSize;
  const edit = loadRecord(vol, 0);
  if (edit.parsed.attributes.some((attribute) => attribute.type === AttributeType.attributeList)) refuse("$MFT spreads over several records (attribute list), which p2vfix does not extend");
  const data = edit.parsed.attributes.find((attribute) => attribute.type === AttributeType.data && attribute.name === "") as NonResidentAttribute | undefined;
  const bitmap = edit.parsed.attributes.find((attribute) => attribute.type === AttributeType.bitmap && attribute.name === "");
  if (!data || data.resident || data.lowestVcn !== 0 || !bitmap) refuse("$MFT's $DATA or $BITMAP is not in the expected form");
  const oldRecords = Math.floor(data.initializedSize / rs);
  if (data.initializedSize !== data.dataSize) refuse("$MFT's initialized size differs from its size");
  const newRecords = oldRecords + Math.max(records, MFT_GROWTH_RECORDS);
  const newSize = newRecords * rs;
  const clustersHeld = Math.ceil(data.allocatedSize / cs);
  const clustersNeeded = Math.ceil(newSize / cs);
  const runs: DataRun[] = decodeRunlist(data.mappingPairs, 0).map((dataRun) => ({ ...dataRun }));
  if (clustersNeeded > clustersHeld) {
    const last = runs[runs.length - 1];
    let vcn = clustersHeld;
    for (const allocateCluster of allocateClusters(vol, clustersNeeded - clustersHeld, last && last.lcn !== null ? last.lcn + last.length : 0, pending)) {
      const tail = runs[runs.length - 1];
      if (tail && tail.lcn !== null && tail.lcn + tail.length === allocateCluster.lcn) tail.length += allocateCluster.length;
      else runs.push({ vcn, lcn: allocateCluster.lcn, length: allocateCluster.length });
      vcn += allocateCluster.length;
    }
  }

  // The bitmap: one bit per record, its size kept a multiple of 8 bytes.
  const bitmapBytes = align8(Math.ceil(newRecords / 8));
  const attrs = existingAttributes(edit.bytes);
  const next = attrs.map((attr) => {
    if (attr.type === AttributeType.data && attr.name === "") {
      const allocatedSize = Math.max(clustersNeeded, clustersHeld) * cs;
      return { ...nonResidentAttribute(AttributeType.data, "", runs, { allocatedSize, dataSize: newSize, initializedSize: newSize }), id: attr.id };
    }
    if (attr.type !== AttributeType.bitmap || attr.name !== "") return attr;
    if (bitmap.resident) {
      if (bitmap.value.length >= bitmapBytes) return attr;
      const value = new Uint8Array(bitmapBytes);
      value.set(bitmap.value);
      return { ...residentAttribute(AttributeType.bitmap, "", value), id: attr.id };
    }
    const nr = bitmap as NonResidentAttribute;
    if (nr.dataSize >= bitmapBytes) return attr;
    if (nr.allocatedSize < bitmapBytes) refuse(`$MFT's $BITMAP (${nr.allocatedSize} bytes) has no room for more records`);
    // The newly initialized bitmap bytes must read as zeros on disk.
    const bitmapRuns = decodeRunlist(nr.mappingPairs, 0);
    for (const piece of mapRunRange(bitmapRuns, cs, nr.initializedSize, bitmapBytes - nr.initializedSize)) pending.add(piece.deviceOffset, new Uint8Array(piece.length), "$MFT bitmap");
    const bytes = attr.bytes.slice();
    const view = new DataView(bytes.buffer);
    view.setBigUint64(48, BigInt(bitmapBytes), true);
    view.setBigUint64(56, BigInt(bitmapBytes), true);
    return { ...attr, bytes };
  });

  // New records: free "FILE" records (not in use), as ntfs-3g formats them.
  // They differ only in the record number at 44, which no update sequence stride covers: one
  // protected blank, copied and numbered.
  const blank = protectRecord(layoutRecord({ recordNumber: 0, recordSize: rs, sequence: 0, linkCount: 0, flags: 0, nextAttributeId: 0, usn: 0 }, [], "new MFT record"), 0, "new MFT record");
  const formatted = new Uint8Array((newRecords - oldRecords) * rs);
  const numbers = new DataView(formatted.buffer);
  for (let n = oldRecords; n < newRecords; n++) {
    formatted.set(blank, (n - oldRecords) * rs);
    numbers.setUint32((n - oldRecords) * rs + 44, n, true);
  }
  // Written a device page (4 KiB) at a time, not as one stretch: a staging layer keeps such
  // writes in memory (io/spool-overlay-device.ts), where the next files' records land.
  for (const piece of mapRunRange(runs, cs, oldRecords * rs, formatted.length)) {
    for (let at = 0; at < piece.length; ) {
      const deviceOffset = piece.deviceOffset + at;
      const length = Math.min(piece.length - at, GROWTH_WRITE - (deviceOffset % GROWTH_WRITE));
      pending.add(deviceOffset, formatted.subarray(piece.at + at, piece.at + at + length), `new MFT records ${oldRecords}-${newRecords - 1}`);
      at += length;
    }
  }
  const fields = new DataView(edit.bytes.buffer, edit.bytes.byteOffset, edit.bytes.byteLength);
  const record = layoutRecord(
    { recordNumber: 0, recordSize: rs, sequence: fields.getUint16(16, true), linkCount: fields.getUint16(18, true), flags: fields.getUint16(22, true), nextAttributeId: fields.getUint16(40, true), usn: fields.getUint16(0x30, true), lsn: fields.getBigUint64(8, true) },
    next,
    "MFT record 0",
  );
  commitRecordBytes(vol, 0, record, pending);
}
