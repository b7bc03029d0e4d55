/**
 * qcow2 v2/v3 read: two-level L1/L2 lookup, zero clusters, deflate-compressed clusters.
 * Refused: backing files, encryption, external data files, extended L2 (subclusters), zstd,
 * unknown incompatible features. Refcounts are not needed to read.
 * Source: qemu docs/interop/qcow2.txt.
 */
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import type { OpenedContainer } from "../container.js";
import { MappedDevice } from "../mapped-device.js";
import { TableCache } from "../table-cache.js";
import { zlib } from "../../util/lazy-zlib.js";
import type { Mapping, WritableAddressMap, WritePlan, WriteTarget } from "../types.js";
import { checkHostRun, imageReader, readStructure } from "../util.js";
import { IncompatibleFeature, parseQcow2Header, type Qcow2Header } from "./header.js";
import { Qcow2Claims } from "./claims.js";
import { Qcow2Refcounts } from "./refcounts.js";

/** Bits 9-55 of L1/L2 entries: host offset. */
const OFFSET_MASK = 0x00fffffffffffe00n;
const COMPRESSED = 1n << 62n;
/** L1/L2 entry bit 63: refcount is exactly 1, the cluster may be written in place. */
const COPIED = 1n << 63n;
const ZERO_FLAG = 1n;
const KNOWN_INCOMPATIBLE = Object.values(IncompatibleFeature).reduce((left, right) => left | right, 0n);

export function openQcow2(file: BlockDevice, path: string, onClose: () => void, writable = false): OpenedContainer {
  const warnings: string[] = [];
  const fail = (code: string, message: string, offset?: number) =>
    new ImageError(code, `${path}: ${message}`, offset === undefined ? { path } : { path, offset });
  const head = readStructure(file, 0, Math.min(file.size, 4096), "qcow2 header", path);
  const byteReader = imageReader(head, path);
  byteReader.check(0, 72, "qcow2 header");
  const qcow2Header = parseQcow2Header(byteReader);
  if (qcow2Header.version !== 2 && qcow2Header.version !== 3) throw fail("unsupported-version", `qcow version ${qcow2Header.version} is not supported (only 2 and 3)`, 4);
  if (qcow2Header.version === 3 && (qcow2Header.headerLength < 104 || qcow2Header.headerLength % 8 !== 0)) throw fail("bad-header", `qcow2 header length ${qcow2Header.headerLength} is invalid`, 100);
  if (qcow2Header.backingFileOffset !== 0) {
    const name = qcow2Header.backingFileOffset + qcow2Header.backingFileSize <= file.size && qcow2Header.backingFileSize <= 1023 ? readStructure(file, qcow2Header.backingFileOffset, qcow2Header.backingFileSize, "backing file name", path) : new Uint8Array();
    throw fail("unsupported-backing-file", `qcow2 with a backing file ("${Buffer.from(name).toString("utf8")}") is not supported: it is an overlay, convert or commit it first`);
  }
  if (qcow2Header.cryptMethod !== 0) throw fail("unsupported-encryption", `encrypted qcow2 (crypt method ${qcow2Header.cryptMethod}) is not supported`, 32);
  const incompatible = qcow2Header.incompatibleFeatures;
  if (incompatible & IncompatibleFeature.externalDataFile) throw fail("unsupported-external-data", "qcow2 with an external data file is not supported", 72);
  if (incompatible & IncompatibleFeature.extendedL2) throw fail("unsupported-extended-l2", "qcow2 with extended L2 entries (subclusters) is not supported", 72);
  if (incompatible & IncompatibleFeature.compressionType && qcow2Header.compressionType !== 0) {
    throw fail("unsupported-compression", `qcow2 compression type ${qcow2Header.compressionType} (zstd) is not supported`, 104);
  }
  if (incompatible & ~KNOWN_INCOMPATIBLE) throw fail("unsupported-feature", `qcow2 has unknown incompatible features 0x${incompatible.toString(16)}`, 72);
  if (incompatible & IncompatibleFeature.dirty) warnings.push("qcow2 dirty bit is set (refcounts may be stale; data is read as is)");
  if (incompatible & IncompatibleFeature.corrupt) warnings.push("qcow2 corrupt bit is set: qemu found an inconsistency in this image");
  if (qcow2Header.clusterBits < 9 || qcow2Header.clusterBits > 21) throw fail("bad-cluster-size", `qcow2 cluster bits ${qcow2Header.clusterBits} are outside 9..21`, 20);
  const clusterSize = 2 ** qcow2Header.clusterBits;
  const l2Entries = clusterSize / 8;
  const l1Needed = Math.ceil(qcow2Header.size / (clusterSize * l2Entries));
  // qemu block/qcow2.h: QCOW_MAX_L1_SIZE = 32 MiB (4 Mi entries), QCOW_MAX_REFTABLE_SIZE = 8 MiB;
  // qcow2_do_open refuses larger tables ("Active L1 table too large", "Reference count table too large").
  if (qcow2Header.l1Size > QCOW_MAX_L1_SIZE / 8) throw fail("bad-l1", `qcow2 L1 table has ${qcow2Header.l1Size} entries, more than qemu accepts (${QCOW_MAX_L1_SIZE / 8})`, 36);
  if (qcow2Header.refcountTableClusters * clusterSize > QCOW_MAX_REFTABLE_SIZE) {
    throw fail("bad-refcount-table", `qcow2 refcount table of ${qcow2Header.refcountTableClusters} clusters is larger than qemu accepts (${QCOW_MAX_REFTABLE_SIZE} bytes)`, 56);
  }
  if (qcow2Header.l1Size < l1Needed) throw fail("bad-l1", `qcow2 L1 table has ${qcow2Header.l1Size} entries, ${l1Needed} needed for ${qcow2Header.size} bytes`, 36);
  if (qcow2Header.l1TableOffset % clusterSize !== 0) throw fail("bad-l1", `qcow2 L1 table offset ${qcow2Header.l1TableOffset} is not cluster aligned`, 40);
  checkHostRun(file, qcow2Header.l1TableOffset, l1Needed * 8, "qcow2 L1 table", path);
  if (writable) refuseMetadataOverlap(qcow2Header, clusterSize, path);
  if (writable && incompatible & (IncompatibleFeature.dirty | IncompatibleFeature.corrupt)) {
    throw new RefusedError("unsafe-write", `${path}: refusing to write a qcow2 image marked ${incompatible & IncompatibleFeature.corrupt ? "corrupt" : "dirty"}; run "qemu-img check -r all" first`, {
      path,
      offset: 72,
    });
  }
  const map = new Qcow2Map(file, path, qcow2Header, writable);
  return { format: "qcow2", device: new MappedDevice({ map, what: path, onClose, ...(writable ? { writer: map } : {}) }), virtualSize: qcow2Header.size, logicalSectorSize: 512, warnings, extraFiles: [] };
}

const QCOW_MAX_L1_SIZE = 32 * 1024 * 1024;
const QCOW_MAX_REFTABLE_SIZE = 8 * 1024 * 1024;

/** Before writing: the header cluster, the L1 table and the refcount table must not share bytes (a write to one would corrupt another). */
function refuseMetadataOverlap(qcow2Header: Qcow2Header, clusterSize: number, path: string): void {
  const regions = [
    { name: "header", start: 0, end: clusterSize },
    { name: "L1 table", start: qcow2Header.l1TableOffset, end: qcow2Header.l1TableOffset + qcow2Header.l1Size * 8 },
    { name: "refcount table", start: qcow2Header.refcountTableOffset, end: qcow2Header.refcountTableOffset + qcow2Header.refcountTableClusters * clusterSize },
  ];
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const first = regions[i];
      const second = regions[j];
      if (first.start < second.end && second.start < first.end && first.end > first.start && second.end > second.start) {
        throw new RefusedError("qcow2-metadata-overlap", `${path}: the qcow2 ${first.name} and ${second.name} overlap; qemu-img check would report corruption: run "qemu-img check -r all" first`, { path });
      }
    }
  }
}

/**
 * qcow2 translation. Writes land in place in standard clusters whose L2 entry has COPIED set
 * (refcount 1: no snapshot shares them). Unallocated clusters (and zero clusters without a host
 * cluster) get a new cluster at the end of the file, refcounted first, then pointed to by the L2
 * entry (a missing L2 table is allocated the same way). A compressed cluster is rewritten
 * uncompressed into a new cluster. Clusters or L2 tables without COPIED (shared with an internal
 * snapshot), and compressed clusters in images with snapshots, are refused: they would need
 * copy-on-write.
 */
export class Qcow2Map implements WritableAddressMap {
  readonly virtualSize: number;
  private readonly clusterSize: number;
  private readonly l2Entries: number;
  /** L1 and every L2 table share one page cache: pages are keyed by host offset. */
  private readonly tables: TableCache;
  /** Bit position where the compressed descriptor's sector count starts. */
  private readonly compressedShift: bigint;

  private readonly refcounts?: Qcow2Refcounts;
  private readonly claims?: Qcow2Claims;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly qcow2Header: Qcow2Header,
    writable = false,
  ) {
    this.virtualSize = qcow2Header.size;
    this.clusterSize = 2 ** qcow2Header.clusterBits;
    this.l2Entries = this.clusterSize / 8;
    this.tables = new TableCache(file, `${path} qcow2 tables`);
    this.compressedShift = BigInt(62 - (qcow2Header.clusterBits - 8));
    if (writable) {
      if (qcow2Header.refcountTableOffset % this.clusterSize !== 0 || qcow2Header.refcountTableOffset === 0) {
        throw new ImageError("bad-refcount", `${path}: qcow2 refcount table offset ${qcow2Header.refcountTableOffset} is not cluster aligned`, { path, offset: 48 });
      }
      checkHostRun(file, qcow2Header.refcountTableOffset, qcow2Header.refcountTableClusters * this.clusterSize, "qcow2 refcount table", path);
      const refcounts = new Qcow2Refcounts(file, path, this.tables, this.clusterSize, qcow2Header.refcountOrder, qcow2Header.refcountTableOffset, qcow2Header.refcountTableClusters);
      this.refcounts = refcounts;
      this.claims = new Qcow2Claims(file, path, qcow2Header, this.tables, this.clusterSize, this.compressedShift, (cluster) => refcounts.refcountOf(cluster));
    }
  }

  /** Autoclear bits name extensions (bitmaps, raw external data) a writer that does not maintain them must invalidate. */
  beginWrite(): void {
    if (this.qcow2Header.autoclearFeatures !== 0n) this.file.write(88, new Uint8Array(8));
  }

  mapWrite(virtualOffset: number, length: number, plan?: WritePlan): WriteTarget {
    const refcounts = this.refcounts;
    const claims = this.claims;
    if (!refcounts || !claims) throw new ImageError("read-only", `${this.path} was opened read-only`, { path: this.path });
    const cluster = Math.floor(virtualOffset / this.clusterSize);
    const inCluster = virtualOffset - cluster * this.clusterSize;
    const run = Math.min(this.clusterSize - inCluster, this.virtualSize - virtualOffset, length);
    const refuse = (why: string, offset: number) =>
      new RefusedError("unsupported-write", `${this.path}: cannot write guest cluster ${cluster}: ${why}; convert the image (qemu-img convert) to write it`, {
        path: this.path,
        offset,
      });
    const l1Index = Math.floor(cluster / this.l2Entries);
    const l1At = this.qcow2Header.l1TableOffset + l1Index * 8;
    const l1Entry = this.tables.u64be(l1At);
    let l2Table = Number(l1Entry & OFFSET_MASK);
    if (l2Table !== 0 && !(l1Entry & COPIED)) throw refuse("its L2 table is shared with a snapshot", l1At);
    let entry = 0n;
    if (l2Table !== 0) {
      this.mapOffset(virtualOffset); // validates the L2 table position
      claims.checkL2Table(l2Table, l1Index);
      entry = this.tables.u64be(l2Table + (cluster % this.l2Entries) * 8);
    }
    const l2At = l2Table + (cluster % this.l2Entries) * 8;
    // Every path but an in-place write of a data cluster changes the L2 entry.
    const entryChanges = () => {
      if (l2Table !== 0) claims.checkRefcount(l2Table, `L2 table of L1 entry ${l1Index}`);
    };
    if (entry & COMPRESSED) {
      entryChanges();
      return this.rewriteCompressed(virtualOffset, run, entry, l2At, refcounts, plan);
    }
    const host = Number(entry & OFFSET_MASK);
    if (host !== 0 && !(entry & COPIED)) throw refuse("it is shared with a snapshot", l2At);
    const zeroFlag = this.qcow2Header.version >= 3 && (entry & ZERO_FLAG) !== 0n;
    if (host !== 0 && !zeroFlag) {
      this.mapOffset(virtualOffset); // validates the host cluster position
      claims.checkDataCluster(host, cluster, l2Table, plan?.hostUnits);
      claims.checkRefcount(host, `data cluster of guest cluster ${cluster}`);
      return { file: this.file, offset: host + inCluster, length: run };
    }
    if (host !== 0) {
      // A preallocated zero cluster: it reads as zeros whatever it holds; make that true on
      // disk, write, then clear the flag. No allocation.
      if (host % this.clusterSize !== 0) {
        throw new ImageError("bad-l2", `${this.path}: qcow2 L2 entry points to unaligned cluster ${host}`, { path: this.path, offset: l2At });
      }
      checkHostRun(this.file, host, this.clusterSize, `qcow2 L2 entry at ${l2At}`, this.path);
      claims.checkDataCluster(host, cluster, l2Table, plan?.hostUnits);
      claims.checkRefcount(host, `data cluster of guest cluster ${cluster}`);
      entryChanges();
      if (plan) return { file: this.file, offset: -1, length: run };
      this.file.write(host, new Uint8Array(this.clusterSize));
      return { file: this.file, offset: host + inCluster, length: run, commit: () => this.tables.write(l2At, be64(entry & ~ZERO_FLAG)) };
    }
    if (this.file.resize === undefined) throw refuse("it is unallocated and the host file cannot grow", l2At);
    entryChanges();
    if (plan) {
      // Count what this write's earlier runs would add, so the refusal comes before the first byte.
      plan.newUnits += 1;
      if (l2Table === 0) plan.newTables.add(`l2:${l1Index}`);
      refcounts.checkRoom(plan.newUnits + plan.newTables.size);
      return { file: this.file, offset: -1, length: run };
    }
    refcounts.checkRoom(l2Table === 0 ? 2 : 1);
    if (l2Table === 0) {
      l2Table = refcounts.allocateCluster();
      this.tables.write(l2Table, new Uint8Array(this.clusterSize));
      this.tables.write(l1At, be64(BigInt(l2Table) | COPIED));
    }
    const newL2At = l2Table + (cluster % this.l2Entries) * 8;
    const data = refcounts.allocateCluster();
    return { file: this.file, offset: data + inCluster, length: run, commit: () => this.tables.write(newL2At, be64(BigInt(data) | COPIED)) };
  }

  /**
   * A write into a compressed cluster: the cluster is inflated into a new uncompressed one, the
   * L2 entry switched to it, then the references of the compressed bytes dropped (a crash in
   * between leaks those clusters, never frees live ones). Only without internal snapshots: a
   * compressed cluster has no COPIED flag to tell whether a snapshot shares it.
   */
  private rewriteCompressed(virtualOffset: number, run: number, entry: bigint, l2At: number, refcounts: Qcow2Refcounts, plan?: WritePlan): WriteTarget {
    const cluster = Math.floor(virtualOffset / this.clusterSize);
    if (this.qcow2Header.nbSnapshots > 0) {
      throw new RefusedError("unsupported-write", `${this.path}: cannot write guest cluster ${cluster}: it is compressed and the image has internal snapshots that may share it; convert the image (qemu-img convert) to write it`, {
        path: this.path,
        offset: l2At,
      });
    }
    // Host clusters the compressed bytes are counted in (qemu: from the sector holding the
    // start, for the stored number of sectors).
    const shift = this.compressedShift;
    const host = Number(entry & ((1n << shift) - 1n));
    const sectors = Number((entry >> shift) & ((1n << (62n - shift)) - 1n)) + 1;
    const start = host - (host % 512);
    const first = Math.floor(start / this.clusterSize);
    const last = Math.floor((start + sectors * 512 - 1) / this.clusterSize);
    refcounts.checkReleasable(first, last);
    if (this.file.resize === undefined) {
      throw new RefusedError("needs-allocation", `${this.path}: guest cluster ${cluster} is compressed and the host file cannot grow`, { path: this.path, offset: l2At });
    }
    const unit = this.mapOffset(virtualOffset - (virtualOffset % this.clusterSize));
    if (unit.kind !== "compressed") throw new ImageError("bad-mapping", `${this.path}: qcow2 cluster ${cluster} did not map as compressed`, { path: this.path, offset: l2At });
    if (plan) {
      plan.newUnits += 1;
      refcounts.checkRoom(plan.newUnits + plan.newTables.size);
      return { file: this.file, offset: -1, length: run };
    }
    const plain = unit.load();
    refcounts.checkRoom(1);
    const data = refcounts.allocateCluster();
    this.file.write(data, plain);
    const commit = () => {
      this.tables.write(l2At, be64(BigInt(data) | COPIED));
      refcounts.release(first, last);
    };
    return { file: this.file, offset: data + (virtualOffset % this.clusterSize), length: run, commit };
  }

  flush(): void {
    this.file.flush();
  }

  mapOffset(virtualOffset: number): Mapping {
    const cluster = Math.floor(virtualOffset / this.clusterSize);
    const inCluster = virtualOffset - cluster * this.clusterSize;
    const length = Math.min(this.clusterSize - inCluster, this.virtualSize - virtualOffset);
    const l1Index = Math.floor(cluster / this.l2Entries);
    const l1At = this.qcow2Header.l1TableOffset + l1Index * 8;
    const l2Table = Number(this.tables.u64be(l1At) & OFFSET_MASK);
    if (l2Table === 0) return { kind: "zero", length };
    if (l2Table % this.clusterSize !== 0) {
      throw new ImageError("bad-l1", `${this.path}: qcow2 L1 entry ${l1Index} points to unaligned L2 table ${l2Table}`, { path: this.path, offset: l1At });
    }
    checkHostRun(this.file, l2Table, this.clusterSize, `qcow2 L1 entry ${l1Index}`, this.path);
    const l2At = l2Table + (cluster % this.l2Entries) * 8;
    const entry = this.tables.u64be(l2At);
    if (entry & COMPRESSED) return this.compressed(entry, l2At, inCluster, length);
    if (this.qcow2Header.version >= 3 && entry & ZERO_FLAG) return { kind: "zero", length };
    const host = Number(entry & OFFSET_MASK);
    if (host === 0) return { kind: "zero", length };
    if (host % this.clusterSize !== 0) {
      throw new ImageError("bad-l2", `${this.path}: qcow2 L2 entry points to unaligned cluster ${host}`, { path: this.path, offset: l2At });
    }
    checkHostRun(this.file, host + inCluster, length, `qcow2 L2 entry at ${l2At}`, this.path);
    return { kind: "data", file: this.file, offset: host + inCluster, length };
  }

  private compressed(entry: bigint, l2At: number, inCluster: number, length: number): Mapping {
    const shift = this.compressedShift;
    const host = Number(entry & ((1n << shift) - 1n));
    const sectors = Number((entry >> shift) & ((1n << (62n - shift)) - 1n)) + 1;
    // The sector count covers from the sector holding `host`; the last one may pass EOF.
    const size = Math.min(sectors * 512 - (host % 512), this.file.size - host);
    if (size <= 0) {
      throw new ImageError("points-outside-file", `${this.path}: qcow2 compressed cluster at ${host} lies outside the file`, { path: this.path, offset: l2At });
    }
    const load = () => {
      const input = this.file.read(host, size);
      let out: Buffer;
      try {
        const { constants, inflateRawSync } = zlib();
        out = inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: this.clusterSize });
      } catch (err) {
        throw new ImageError("bad-compressed-cluster", `${this.path}: qcow2 compressed cluster at ${host} does not inflate: ${(err as Error).message}`, {
          path: this.path,
          offset: host,
          cause: err,
        });
      }
      if (out.length !== this.clusterSize) {
        throw new ImageError("bad-compressed-cluster", `${this.path}: qcow2 compressed cluster at ${host} inflates to ${out.length} bytes, not ${this.clusterSize}`, {
          path: this.path,
          offset: host,
        });
      }
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    };
    return { kind: "compressed", length, key: `q${host}`, offsetInUnit: inCluster, load };
  }
}

function be64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}
