/**
 * Before a qcow2 write: the host clusters it touches must be claimed once. The L2 table whose
 * entry changes must not be another L1 entry's L2 table, nor share bytes with the header, the
 * L1 table, the refcount table or a refcount block; the data cluster written must not be any
 * of those either, nor be mapped by another entry of the same L2 table (or by another guest
 * cluster of the same write). qemu refuses such writes (qcow2_check_metadata_overlap) and
 * `qemu-img check` reports them. The metadata index is read once; an L2 table's references are
 * counted once per table.
 *
 * References against refcounts, where the write lands: a data cluster written in place, or an
 * L2 table whose entry changes, is marked COPIED, so its refcount must be exactly 1 — 0 means
 * the refcount structures call it free (qemu would hand it out again), more means COPIED lies;
 * `qemu-img check` reports both as corruption ("refcount=0 reference=1", "ERROR OFLAG_COPIED").
 * A data cluster must also be mapped by one entry of all the active L2 tables ("refcount=1
 * reference=2"): those are read once into a bitmap of the file's clusters. Leaks (refcount
 * above the references, no COPIED) are harmless and left alone, as qemu-img check does.
 * Source: qemu docs/interop/qcow2.txt, block/qcow2-refcount.c.
 */
import { RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { HostExtentIndex, type HostExtent } from "../host-extents.js";
import type { TableCache } from "../table-cache.js";
import type { Qcow2Header } from "./header.js";

const OFFSET_MASK = 0x00fffffffffffe00n;
const COMPRESSED = 1n << 62n;
/** L2 tables whose reference counts are kept; past it the cache starts over (memory bound). */
const MAX_COUNTED_TABLES = 64;
/** Host clusters mapped twice that are kept before the image is refused as a whole (memory bound). */
const MAX_MAPPED_TWICE = 65536;

export class Qcow2Claims {
  private index?: HostExtentIndex;
  private readonly counted = new Map<number, Map<number, number>>();
  /** Host cluster numbers more than one standard entry of the active L2 tables maps. */
  private twice?: Set<number>;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly header: Qcow2Header,
    private readonly tables: TableCache,
    private readonly clusterSize: number,
    private readonly compressedShift: bigint,
    private readonly refcountOf: (cluster: number) => bigint,
  ) {}

  /**
   * Refuses unless the host cluster at `host` (a data cluster written in place or an L2 table
   * whose entry changes, both marked COPIED) has refcount 1.
   */
  checkRefcount(host: number, what: string): void {
    const refcount = this.refcountOf(host / this.clusterSize);
    if (refcount === 1n) return;
    const why =
      refcount === 0n
        ? "its refcount is 0: the image counts it as free space, to be handed out again"
        : `its refcount is ${refcount} although its entry says it is not shared (COPIED)`;
    throw new RefusedError("qcow2-refcount", `${this.path}: the qcow2 ${what} at host ${host} is in use but ${why}; qemu-img check reports this as corruption: run "qemu-img check -r all" or convert the image first`, {
      path: this.path,
      offset: host,
    });
  }

  /** Refuses unless the L2 table of L1 entry `l1Index` at `l2Table` is claimed by that entry alone. */
  checkL2Table(l2Table: number, l1Index: number): void {
    this.metadata().refuseOverlap(l2Table, l2Table + this.clusterSize, l1Index, "qcow2", this.path);
  }

  /**
   * Refuses unless host cluster `host`, to be written for guest cluster `cluster` (mapped by
   * the L2 table at `l2Table`), is claimed by that L2 entry alone. `seen` holds the host
   * clusters earlier runs of the same write map to.
   */
  checkDataCluster(host: number, cluster: number, l2Table: number, seen?: Map<number, number>): void {
    const self = `data cluster of guest cluster ${cluster}`;
    this.metadata().refuseOverlap(host, host + this.clusterSize, self, "qcow2", this.path);
    const references = this.references(l2Table).get(host / this.clusterSize) ?? 0;
    const earlier = seen?.get(host);
    const acrossTables = this.mappedTwice().has(Math.floor(host / this.clusterSize));
    if (references > 1 || acrossTables || (earlier !== undefined && earlier !== cluster)) {
      throw new RefusedError("qcow2-overlap", `${this.path}: the qcow2 host cluster at ${host} is mapped by more than one L2 entry (guest cluster ${cluster} and another); qemu-img check reports it: run "qemu-img check -r all" or convert the image first`, {
        path: this.path,
        offset: host,
      });
    }
    seen?.set(host, cluster);
  }

  /**
   * Host clusters that more than one standard entry of the active L2 tables maps, read once:
   * a bitmap of the file's clusters (1 bit each) finds them, so memory follows the file size
   * divided by 8 x the cluster size, plus the clusters found twice (refused past a bound).
   */
  private mappedTwice(): Set<number> {
    if (this.twice) return this.twice;
    const { header, clusterSize, file } = this;
    const l1Used = Math.ceil(header.size / (clusterSize * (clusterSize / 8)));
    const l1 = file.read(header.l1TableOffset, l1Used * 8);
    const l1View = new DataView(l1.buffer, l1.byteOffset, l1.byteLength);
    const seen = new Uint8Array(Math.ceil(file.size / clusterSize / 8));
    const twice = new Set<number>();
    for (let i = 0; i < l1Used; i++) {
      const table = Number(l1View.getBigUint64(i * 8, false) & OFFSET_MASK);
      // Tables reads would reject are skipped: a write through them is refused on its own.
      if (table === 0 || table % clusterSize !== 0 || table + clusterSize > file.size) continue;
      const l2 = file.read(table, clusterSize);
      const l2View = new DataView(l2.buffer, l2.byteOffset, l2.byteLength);
      for (let e = 0; e < clusterSize / 8; e++) {
        const entry = l2View.getBigUint64(e * 8, false);
        if (entry & COMPRESSED) continue;
        const host = Number(entry & OFFSET_MASK);
        if (host === 0 || host >= file.size) continue;
        const cluster = Math.floor(host / clusterSize);
        if ((seen[cluster >> 3] & (1 << (cluster & 7))) === 0) {
          seen[cluster >> 3] |= 1 << (cluster & 7);
          continue;
        }
        twice.add(cluster);
        if (twice.size > MAX_MAPPED_TWICE) {
          throw new RefusedError("qcow2-overlap", `${this.path}: the qcow2 L2 tables map more than ${MAX_MAPPED_TWICE} host clusters twice; run "qemu-img check -r all" or convert the image first`, {
            path: this.path,
          });
        }
      }
    }
    this.twice = twice;
    return twice;
  }

  /** Host cluster → how many entries of this L2 table reference it (standard and compressed). */
  private references(l2Table: number): Map<number, number> {
    let counts = this.counted.get(l2Table);
    if (counts) return counts;
    if (this.counted.size >= MAX_COUNTED_TABLES) this.counted.clear();
    counts = new Map();
    const entries = this.clusterSize / 8;
    for (let i = 0; i < entries; i++) {
      const entry = this.tables.u64be(l2Table + i * 8);
      const host = entry & COMPRESSED ? Number(entry & ((1n << this.compressedShift) - 1n)) : Number(entry & OFFSET_MASK);
      if (host === 0) continue;
      const key = Math.floor(host / this.clusterSize);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.counted.set(l2Table, counts);
    return counts;
  }

  /** Header, L1 table, refcount table, refcount blocks (fixed) and every L2 table (by L1 index). */
  private metadata(): HostExtentIndex {
    if (this.index) return this.index;
    const { header, clusterSize } = this;
    const fixed: HostExtent[] = [
      { name: "header", start: 0, end: clusterSize },
      { name: "L1 table", start: header.l1TableOffset, end: header.l1TableOffset + header.l1Size * 8 },
      { name: "refcount table", start: header.refcountTableOffset, end: header.refcountTableOffset + header.refcountTableClusters * clusterSize },
    ];
    const refTable = this.file.read(header.refcountTableOffset, header.refcountTableClusters * clusterSize);
    const refView = new DataView(refTable.buffer, refTable.byteOffset, refTable.byteLength);
    for (let i = 0; i < refTable.byteLength / 8; i++) {
      const block = Number(refView.getBigUint64(i * 8, false) & OFFSET_MASK);
      if (block !== 0) fixed.push({ name: `refcount block ${i}`, start: block, end: block + clusterSize });
    }
    // The entries the virtual size uses (the opener checked they lie inside the file).
    const l1Used = Math.ceil(header.size / (clusterSize * (clusterSize / 8)));
    const l1 = this.file.read(header.l1TableOffset, l1Used * 8);
    const l1View = new DataView(l1.buffer, l1.byteOffset, l1.byteLength);
    const l2Tables: [number, number][] = [];
    for (let i = 0; i < l1Used; i++) {
      const table = Number(l1View.getBigUint64(i * 8, false) & OFFSET_MASK);
      if (table !== 0) l2Tables.push([i, table]);
    }
    this.index = new HostExtentIndex(fixed, l2Tables, clusterSize, (l1Index) => `L2 table of L1 entry ${l1Index}`);
    return this.index;
  }
}

