/**
 * Writes a directory's $I30 index from its full, sorted entry list: the tree from
 * index-tree.ts, stored as the $INDEX_ROOT in the directory's MFT record and, when it does not
 * fit there, INDX records in $INDEX_ALLOCATION with one $BITMAP:$I30 bit per record in use.
 *
 * - Small index (everything fits the root): no allocation needed; an existing allocation is
 *   kept with all its $BITMAP bits cleared (as Windows leaves it after deletions).
 * - Large index: nodes go to slots 0..n-1 of $INDEX_ALLOCATION; it grows by clusters taken
 *   from $Bitmap (outside the MFT zone first) when it has fewer slots; slots beyond n are
 *   marked free. The root-to-allocation conversion creates both attributes.
 * INDX layout (libfsntfs "Index record"): "INDX", update sequence array at 0x28, VCN @16,
 * node header @0x18 (entries offset, index length, allocated size, flags 0x1 = has sub-nodes).
 * VCNs count clusters, or 512-byte blocks when index records are smaller than a cluster.
 */
import { NtfsError, RefusedError } from "../../../errors.js";
import { AttributeType, type NonResidentAttribute } from "../attribute.js";
import { decodeRunlist, mapRunRange, type DataRun } from "../runlist.js";
import type { UpCaseTable } from "../upcase.js";
import { protectRecord } from "../update-sequence.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import { allocateClusters, mftZone } from "../write/cluster-bitmap.js";
import type { PendingWrites } from "../write/pending-writes.js";
import { commitRecordBytes, loadRecord } from "../write/record-edit.js";
import { i30Attributes, type RawIndexEntry } from "./index-entries.js";
import { buildIndexTree, entrySize } from "./index-tree.js";
import { align8, existingAttributes, freeSpace, layoutRecord, nonResidentAttribute, residentAttribute, type AttributeBytes } from "./record-layout.js";

const I30 = "$I30";
const INDX_USA_OFFSET = 0x28;
const NODE_HEADER = 0x18;
/** $INDEX_ROOT attribute header (24 + "$I30") + root header (16) + node header (16). */
const ROOT_OVERHEAD = align8(24 + 8) + 32;
/** Room kept for the $INDEX_ALLOCATION runlist growing while the tree is placed. */
const RUNLIST_SLACK = 24;

/** The value of an empty $INDEX_ROOT for a new directory (file name index, collation 1). */
export function emptyIndexRoot(vol: ReadableNtfsVolume): Uint8Array {
  const size = vol.boot.indexRecordSize;
  const cs = vol.geometry.clusterSize;
  const value = new Uint8Array(48);
  const view = new DataView(value.buffer);
  view.setUint32(0, AttributeType.fileName, true);
  view.setUint32(4, 1, true);
  view.setUint32(8, size, true);
  value[12] = size >= cs ? size / cs : size / 512;
  view.setUint32(16, 16, true);
  view.setUint32(20, 32, true);
  view.setUint32(24, 32, true);
  view.setUint16(32 + 8, 16, true);
  view.setUint16(32 + 12, 0x2, true);
  return value;
}

function firstEntryOffset(size: number): number {
  return align8(INDX_USA_OFFSET + 2 * (size / 512 + 1));
}

function indxRecord(size: number, vcn: number, entries: Uint8Array, internal: boolean, usn: number): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x4e, 0x44, 0x58]); // "INDX"
  view.setUint16(4, INDX_USA_OFFSET, true);
  view.setUint16(6, size / 512 + 1, true);
  view.setBigUint64(16, BigInt(vcn), true);
  const first = firstEntryOffset(size);
  view.setUint32(NODE_HEADER, first - NODE_HEADER, true);
  view.setUint32(NODE_HEADER + 4, first - NODE_HEADER + entries.length, true);
  view.setUint32(NODE_HEADER + 8, size - NODE_HEADER, true);
  view.setUint32(NODE_HEADER + 12, internal ? 1 : 0, true);
  view.setUint16(INDX_USA_OFFSET, usn, true);
  out.set(entries, first);
  return out;
}

/** Device pieces of an index record; all of it must be mapped. */
function indexRecordPieces(runs: readonly DataRun[], cs: number, offset: number, length: number): Array<{ at: number; deviceOffset: number; length: number }> {
  const out = mapRunRange(runs, cs, offset, length);
  if (out.reduce((sum, part) => sum + part.length, 0) !== length) throw new NtfsError("bad-index", "$INDEX_ALLOCATION does not map an index record (sparse or short)");
  return out;
}

/** Queues the rewrite of directory `dir`'s index so that it holds exactly `entries` (sorted). */
export function writeDirectoryIndex(vol: ReadableNtfsVolume, upcase: UpCaseTable, dir: number, entries: readonly RawIndexEntry[], pending: PendingWrites): void {
  void upcase;
  const what = `directory record ${dir}`;
  const rs = vol.boot.mftRecordSize;
  const cs = vol.geometry.clusterSize;
  const edit = loadRecord(vol, dir);
  if (new DataView(edit.bytes.buffer, edit.bytes.byteOffset).getUint16(4, true) !== 0x30) {
    throw new NtfsError("unsupported", `${what}: the record uses the NTFS 3.0 layout, which p2vfix does not rewrite`);
  }
  const { root, allocation, bitmap } = i30Attributes(vol, dir);
  const all = existingAttributes(edit.bytes);
  const isI30 = (attributeBytes: AttributeBytes, type: number) => attributeBytes.type === type && attributeBytes.name === I30;
  const rootOld = all.find((attributeBytes) => isI30(attributeBytes, AttributeType.indexRoot))!;
  const allocOld = all.find((attributeBytes) => isI30(attributeBytes, AttributeType.indexAllocation));
  const bitmapOld = all.find((attributeBytes) => isI30(attributeBytes, AttributeType.bitmap));
  const others = all.filter((attributeBytes) => !isI30(attributeBytes, AttributeType.indexRoot) && !isI30(attributeBytes, AttributeType.indexAllocation) && !isI30(attributeBytes, AttributeType.bitmap));
  const othersSize = others.reduce((sum, other) => sum + other.bytes.length, 0);
  if (bitmap && !bitmap.resident) throw new NtfsError("unsupported", `${what}: $BITMAP:$I30 is non-resident (a directory with tens of thousands of index records); p2vfix does not change it`);

  const size = root.value[8] | (root.value[9] << 8) | (root.value[10] << 16) | (root.value[11] << 24);
  const vcnUnit = size >= cs ? cs : 512;
  const vcnOf = (slot: number) => (slot * size) / vcnUnit;
  const nodeCapacity = size - firstEntryOffset(size);

  const leafBytes = entries.reduce((sum, entry) => sum + entrySize(entry, false), 0) + entrySize(undefined, false);
  const keptAllocationSize = (allocOld?.bytes.length ?? 0) + (bitmapOld?.bytes.length ?? 0);
  const smallCapacity = freeSpace(rs, othersSize + keptAllocationSize) - ROOT_OVERHEAD;
  const allocHeader = allocOld ? allocOld.bytes.length : align8(72 + 8);
  const bitmapHeader = bitmapOld ? bitmapOld.bytes.length : align8(32 + 8);
  const largeCapacity = freeSpace(rs, othersSize + allocHeader + bitmapHeader + RUNLIST_SLACK) - ROOT_OVERHEAD;
  if (largeCapacity < entrySize(undefined, true)) throw new RefusedError("mft-record-full", `${what}: no room left in the MFT record for the index root; nothing was written`);
  const tree = leafBytes <= smallCapacity ? buildIndexTree(entries, smallCapacity, nodeCapacity, vcnOf) : buildIndexTree(entries, largeCapacity, nodeCapacity, vcnOf);

  const rootValue = new Uint8Array(32 + tree.rootEntries.length);
  rootValue.set(root.value.subarray(0, 16));
  const rv = new DataView(rootValue.buffer);
  rv.setUint32(16, 16, true);
  rv.setUint32(20, 16 + tree.rootEntries.length, true);
  rv.setUint32(24, 16 + tree.rootEntries.length, true);
  rv.setUint32(28, tree.large ? 1 : 0, true);
  rootValue.set(tree.rootEntries, 32);
  const newAttributes: AttributeBytes[] = [...others, { ...residentAttribute(AttributeType.indexRoot, I30, rootValue), id: rootOld.id }];

  const count = tree.nodes.length;
  if (allocOld || count > 0) {
    const old = allocation as NonResidentAttribute | undefined;
    let runs: DataRun[] = old ? decodeRunlist(old.mappingPairs, old.lowestVcn) : [];
    const oldSlots = old ? Math.floor(old.dataSize / size) : 0;
    const slots = Math.max(oldSlots, count);
    const clustersNeeded = Math.ceil((slots * size) / cs);
    const clustersHeld = runs.reduce((sum, run) => sum + run.length, 0);
    if (clustersNeeded > clustersHeld) {
      const last = runs[runs.length - 1];
      const hint = last && last.lcn !== null ? last.lcn + last.length : 0;
      let vcn = clustersHeld;
      for (const allocateCluster of allocateClusters(vol, clustersNeeded - clustersHeld, hint, pending, mftZone(vol))) {
        const tail = runs[runs.length - 1];
        if (tail && tail.lcn !== null && tail.lcn + tail.length === allocateCluster.lcn) tail.length += allocateCluster.length;
        else runs.push({ vcn, lcn: allocateCluster.lcn, length: allocateCluster.length });
        vcn += allocateCluster.length;
      }
    }
    const heldBytes = Math.max(clustersNeeded, clustersHeld) * cs;
    const dataSize = slots * size;
    newAttributes.push({ ...nonResidentAttribute(AttributeType.indexAllocation, I30, runs, { allocatedSize: heldBytes, dataSize, initializedSize: dataSize }), id: allocOld?.id });
    const oldBits = bitmap?.resident ? bitmap.value : new Uint8Array(0);
    const bits = new Uint8Array(Math.max(oldBits.length, align8(Math.ceil(slots / 8))));
    for (let i = 0; i < count; i++) bits[i >> 3] |= 1 << (i & 7);
    newAttributes.push({ ...residentAttribute(AttributeType.bitmap, I30, bits), id: bitmapOld?.id });
    runs = runs.map((run) => ({ ...run }));
    for (let slot = 0; slot < count; slot++) {
      const pieces = indexRecordPieces(runs, cs, slot * size, size);
      // Continue the old record's update sequence number when the slot held a node.
      const head = vol.device.read(pieces[0].deviceOffset, Math.min(pieces[0].length, 0x2a));
      const usn = slot < oldSlots && head[0] === 0x49 && head[1] === 0x4e && head[2] === 0x44 && head[3] === 0x58 ? head[0x28] | (head[0x29] << 8) : 0;
      const node = tree.nodes[slot];
      const bytes = protectRecord(indxRecord(size, vcnOf(slot), node.entries, node.internal, usn), 0, `${what} index node ${slot}`);
      for (const piece of pieces) pending.add(piece.deviceOffset, bytes.subarray(piece.at, piece.at + piece.length), `${what} index node VCN ${vcnOf(slot)}`);
    }
  }

  const view = new DataView(edit.bytes.buffer, edit.bytes.byteOffset, edit.bytes.byteLength);
  const record = layoutRecord(
    { recordNumber: dir, recordSize: rs, sequence: view.getUint16(16, true), linkCount: view.getUint16(18, true), flags: view.getUint16(22, true), nextAttributeId: view.getUint16(40, true), usn: view.getUint16(0x30, true), lsn: view.getBigUint64(8, true) },
    newAttributes,
    what,
  );
  commitRecordBytes(vol, dir, record, pending);
}
