/**
 * One attribute's content as a readable stream: resident bytes, or non-resident clusters
 * mapped through the data runs of all its extents. Sparse runs and bytes past the
 * initialized size read as zeros; compressed attributes are decompressed one compression
 * unit at a time. The run map is kept (`runs`) so that a writer can reuse it.
 */
import { NtfsError } from "../../errors.js";
import { readDeviceInto, type BlockDevice } from "../../io/block-device.js";
import type { Attribute, NonResidentAttribute } from "./attribute.js";
import { decompressLznt1 } from "./lznt1.js";
import { checkRuns, decodeRunlist, type DataRun } from "./runlist.js";

export interface VolumeGeometry {
  clusterSize: number;
  totalClusters: number;
}

export class DataStream {
  readonly size: number;
  readonly allocatedSize: number;
  readonly initializedSize: number;
  readonly resident: boolean;
  readonly compressed: boolean;
  readonly sparse: boolean;
  readonly encrypted: boolean;
  /** Runs of all extents in VCN order (empty for a resident stream). */
  readonly runs: readonly DataRun[];
  /** Compression unit in bytes (0 when not compressed). */
  readonly compressionUnitSize: number;
  private readonly residentValue?: Uint8Array;
  private cachedUnit: { index: number; bytes: Uint8Array } | undefined;

  constructor(
    private readonly device: BlockDevice,
    private readonly geometry: VolumeGeometry,
    extents: readonly Attribute[],
    readonly what: string,
  ) {
    if (extents.length === 0) throw new NtfsError("no-attribute", `${what}: no attribute`);
    const first = extents[0];
    this.compressed = first.compressed;
    this.sparse = first.sparse;
    this.encrypted = first.encrypted;
    if (first.resident) {
      this.resident = true;
      this.residentValue = first.value;
      this.size = this.allocatedSize = this.initializedSize = first.value.length;
      this.runs = [];
      this.compressionUnitSize = 0;
      return;
    }
    this.resident = false;
    const sorted = [...extents].sort((a, b) => (a.resident || b.resident ? 0 : a.lowestVcn - b.lowestVcn)) as NonResidentAttribute[];
    const head = sorted[0];
    if (sorted.some((nonResidentAttribute) => nonResidentAttribute.resident) || head.lowestVcn !== 0) {
      throw new NtfsError("bad-attribute", `${what}: extents are mixed resident/non-resident or do not start at VCN 0`, { offset: head.offset });
    }
    this.size = head.dataSize;
    this.allocatedSize = head.allocatedSize;
    this.initializedSize = Math.min(head.initializedSize, head.dataSize);
    this.compressionUnitSize = this.compressed && head.compressionUnit > 0 ? geometry.clusterSize * 2 ** head.compressionUnit : 0;
    if (this.compressed && this.compressionUnitSize === 0) {
      throw new NtfsError("unsupported", `${what}: compressed attribute without a compression unit`, { offset: head.offset });
    }
    const runs: DataRun[] = [];
    let nextVcn = 0;
    for (const extent of sorted) {
      if (extent.lowestVcn !== nextVcn) {
        throw new NtfsError("bad-runlist", `${what}: extent starts at VCN ${extent.lowestVcn}, expected ${nextVcn}`, { offset: extent.offset, expected: nextVcn, actual: extent.lowestVcn });
      }
      const extentRuns = decodeRunlist(extent.mappingPairs, extent.lowestVcn, extent.mappingPairsOffset);
      for (const run of extentRuns) runs.push(run);
      nextVcn = extentRuns.length ? extentRuns[extentRuns.length - 1].vcn + extentRuns[extentRuns.length - 1].length : nextVcn;
      if (extent.highestVcn >= 0 && nextVcn !== extent.highestVcn + 1) {
        throw new NtfsError("bad-runlist", `${what}: runs end at VCN ${nextVcn - 1}, the header says ${extent.highestVcn}`, { offset: extent.mappingPairsOffset });
      }
    }
    checkRuns(runs, geometry.totalClusters, what, head.offset);
    if (nextVcn * geometry.clusterSize < Math.min(this.allocatedSize, this.size) && !this.compressed) {
      throw new NtfsError("bad-runlist", `${what}: runs cover ${nextVcn} clusters, fewer than the data size ${this.size}`, { offset: head.offset });
    }
    this.runs = runs;
  }

  /** Reads `length` bytes at `offset`; the range must lie inside the stream's size. */
  read(offset: number, length: number): Uint8Array {
    this.checkRead(offset, length);
    if (this.residentValue) return this.residentValue.slice(offset, offset + length);
    const out = new Uint8Array(length);
    this.readInto(offset, out, 0, length);
    return out;
  }

  /** read() into `target` at `targetOffset`: clusters go from the device straight into it. */
  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): void {
    this.checkRead(offset, length);
    if (!Number.isSafeInteger(targetOffset) || targetOffset < 0 || targetOffset + length > target.length) {
      throw new NtfsError("out-of-range", `${this.what}: read target of ${target.length} bytes cannot take ${length} at ${targetOffset}`);
    }
    if (this.residentValue) {
      target.set(this.residentValue.subarray(offset, offset + length), targetOffset);
      return;
    }
    const end = Math.min(offset + length, this.initializedSize);
    // Past the initialized size the stream reads as zeros.
    target.fill(0, targetOffset + Math.max(0, end - offset), targetOffset + length);
    if (offset >= end) return;
    const outBase = offset - targetOffset;
    if (this.compressionUnitSize > 0) this.readCompressed(offset, end, target, outBase);
    else this.readClusters(offset, end, target, outBase);
  }

  private checkRead(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new NtfsError("out-of-range", `${this.what}: read of ${length} bytes at ${offset} is outside the stream (${this.size} bytes)`);
    }
  }

  /**
   * Where bytes [offset, offset+length) of a non-resident, uncompressed stream live on the
   * volume: device byte ranges, or `deviceOffset: null` for sparse parts. For a writer that
   * overwrites data in place (it must refuse sparse parts and compressed streams).
   */
  mapRange(offset: number, length: number): Array<{ offset: number; deviceOffset: number | null; length: number }> {
    if (this.resident || this.compressionUnitSize > 0) {
      throw new NtfsError("unsupported", `${this.what}: only non-resident, uncompressed streams map to clusters`);
    }
    if (offset < 0 || length < 0 || offset + length > this.allocatedSize) {
      throw new NtfsError("out-of-range", `${this.what}: range ${offset}+${length} is outside the allocation (${this.allocatedSize} bytes)`);
    }
    const cs = this.geometry.clusterSize;
    const out: Array<{ offset: number; deviceOffset: number | null; length: number }> = [];
    let pos = offset;
    while (pos < offset + length) {
      const index = this.findRun(Math.floor(pos / cs));
      if (index < 0) throw new NtfsError("bad-runlist", `${this.what}: no data run maps byte ${pos}`);
      const run = this.runs[index];
      const end = Math.min(offset + length, (run.vcn + run.length) * cs);
      out.push({ offset: pos, deviceOffset: run.lcn === null ? null : run.lcn * cs + (pos - run.vcn * cs), length: end - pos });
      pos = end;
    }
    return out;
  }

  /** Index of the run containing `vcn`, or -1. */
  private findRun(vcn: number): number {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = this.runs[mid];
      if (vcn < run.vcn) hi = mid - 1;
      else if (vcn >= run.vcn + run.length) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** Copies stream bytes [from, to) into out at (from - outBase), straight from the clusters. */
  private readClusters(from: number, to: number, out: Uint8Array, outBase: number): void {
    const cs = this.geometry.clusterSize;
    let pos = from;
    while (pos < to) {
      const vcn = Math.floor(pos / cs);
      const index = this.findRun(vcn);
      if (index < 0) throw new NtfsError("bad-runlist", `${this.what}: no data run maps byte ${pos} (VCN ${vcn})`);
      const run = this.runs[index];
      const runEnd = Math.min(to, (run.vcn + run.length) * cs);
      if (run.lcn !== null) readDeviceInto(this.device, run.lcn * cs + (pos - run.vcn * cs), out, pos - outBase, runEnd - pos);
      else out.fill(0, pos - outBase, runEnd - outBase); // sparse
      pos = runEnd;
    }
  }

  private readCompressed(from: number, to: number, out: Uint8Array, outBase: number): void {
    const unitSize = this.compressionUnitSize;
    for (let unit = Math.floor(from / unitSize); unit * unitSize < to; unit++) {
      const bytes = this.unitBytes(unit);
      const unitStart = unit * unitSize;
      const overlapStart = Math.max(from, unitStart);
      const overlapEnd = Math.min(to, unitStart + unitSize);
      out.set(bytes.subarray(overlapStart - unitStart, overlapEnd - unitStart), overlapStart - outBase);
    }
  }

  /**
   * A compression unit is stored raw when all its clusters are allocated, is all zeros when
   * none are, and otherwise holds LZNT1 data in its allocated clusters (the rest sparse).
   */
  private unitBytes(unit: number): Uint8Array {
    if (this.cachedUnit?.index === unit) return this.cachedUnit.bytes;
    const cs = this.geometry.clusterSize;
    const unitClusters = this.compressionUnitSize / cs;
    const firstVcn = unit * unitClusters;
    const allocated: Array<{ lcn: number; count: number }> = [];
    let allocatedClusters = 0;
    for (let vcn = firstVcn; vcn < firstVcn + unitClusters; ) {
      const index = this.findRun(vcn);
      if (index < 0) break; // past the last run: the remaining clusters are unallocated
      const run = this.runs[index];
      const count = Math.min(run.vcn + run.length, firstVcn + unitClusters) - vcn;
      if (run.lcn !== null) {
        allocated.push({ lcn: run.lcn + (vcn - run.vcn), count });
        allocatedClusters += count;
      }
      vcn += count;
    }
    let bytes: Uint8Array;
    if (allocatedClusters === unitClusters) {
      bytes = new Uint8Array(this.compressionUnitSize);
      let at = 0;
      for (const piece of allocated) {
        bytes.set(this.device.read(piece.lcn * cs, piece.count * cs), at);
        at += piece.count * cs;
      }
    } else if (allocatedClusters === 0) {
      bytes = new Uint8Array(this.compressionUnitSize);
    } else {
      const compressed = new Uint8Array(allocatedClusters * cs);
      let at = 0;
      for (const piece of allocated) {
        compressed.set(this.device.read(piece.lcn * cs, piece.count * cs), at);
        at += piece.count * cs;
      }
      bytes = decompressLznt1(compressed, this.compressionUnitSize, allocated[0].lcn * cs);
    }
    this.cachedUnit = { index: unit, bytes };
    return bytes;
  }
}
