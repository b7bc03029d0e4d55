/**
 * qcow2 cluster allocation through the refcount structures: refcount table (u64 BE entries →
 * refcount blocks) → refcount blocks (one 2^order-bit BE refcount per host cluster). New
 * clusters are taken at the end of the file; when no refcount block covers them yet, a new one
 * is placed in the first new cluster, counting itself. Refcounts are written before any table
 * points at the new cluster, so a crash leaks a cluster instead of sharing one.
 * Growing the refcount table itself is not implemented: such a write is refused.
 * Source: qemu docs/interop/qcow2.txt "Host cluster management".
 */
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { TableCache } from "../table-cache.js";

const OFFSET_MASK = 0x00fffffffffffe00n;

export class Qcow2Refcounts {
  private readonly entryBytes: number;
  /** Refcounts per refcount block. */
  private readonly perBlock: number;
  private readonly tableEntries: number;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly tables: TableCache,
    private readonly clusterSize: number,
    refcountOrder: number,
    private readonly tableOffset: number,
    tableClusters: number,
  ) {
    // Sub-byte refcounts (orders 0-2) exist but no tool makes them by default; not written here.
    if (refcountOrder < 3 || refcountOrder > 6) {
      throw new RefusedError("unsupported-write", `${path}: qcow2 refcount width ${2 ** refcountOrder} bits is not supported for writing (8 to 64 are)`, { path, offset: 96 });
    }
    this.entryBytes = 2 ** (refcountOrder - 3);
    this.perBlock = clusterSize / this.entryBytes;
    this.tableEntries = (tableClusters * clusterSize) / 8;
  }

  /**
   * Refuses (before anything is written) when `clustersNeeded` new clusters at the end of the
   * file would need a bigger refcount table. Counts one extra cluster per refcount block the
   * new clusters may need.
   */
  checkRoom(clustersNeeded: number): void {
    const refcountBlocks = Math.ceil(clustersNeeded / this.perBlock) + 1;
    const last = Math.ceil(this.file.size / this.clusterSize) + clustersNeeded + refcountBlocks;
    if (Math.floor(last / this.perBlock) >= this.tableEntries) {
      throw new RefusedError("needs-allocation", `${this.path}: the qcow2 refcount table is full; growing it is not supported (run "qemu-img convert" to rebuild the image)`, {
        path: this.path,
        offset: this.tableOffset,
      });
    }
  }

  /** Allocates one zero-filled cluster at the end of the file with refcount 1; returns its host offset. */
  allocateCluster(): number {
    let cluster = Math.ceil(this.file.size / this.clusterSize);
    // At most two rounds: a new refcount block takes the first free cluster and covers the next.
    for (let round = 0; round < 3; round++) {
      const tableIndex = Math.floor(cluster / this.perBlock);
      if (tableIndex >= this.tableEntries) this.checkRoom(1);
      const tableAt = this.tableOffset + tableIndex * 8;
      const block = Number(this.tables.u64be(tableAt) & OFFSET_MASK);
      if (block === 0) {
        this.newRefcountBlock(cluster, tableAt);
        cluster++;
        continue;
      }
      const at = block + (cluster % this.perBlock) * this.entryBytes;
      if (block % this.clusterSize !== 0 || block + this.clusterSize > this.file.size) {
        throw new ImageError("bad-refcount", `${this.path}: qcow2 refcount table entry ${tableIndex} points to ${block}, not a cluster inside the file`, { path: this.path, offset: tableAt });
      }
      if (this.read(at) !== 0n) {
        throw new ImageError("bad-refcount", `${this.path}: qcow2 cluster ${cluster} past the end of the file has a non-zero refcount; the image is inconsistent (qemu-img check)`, {
          path: this.path,
          offset: at,
        });
      }
      this.file.resize!((cluster + 1) * this.clusterSize);
      this.tables.write(at, this.encode(1n));
      return cluster * this.clusterSize;
    }
    throw new ImageError("bad-refcount", `${this.path}: could not place a qcow2 refcount block`, { path: this.path });
  }

  /** A refcount block in `cluster` (new, past the end of the file) covering itself, then hooked into the table. */
  private newRefcountBlock(cluster: number, tableAt: number): void {
    this.file.resize!((cluster + 1) * this.clusterSize);
    const block = new Uint8Array(this.clusterSize);
    block.set(this.encode(1n), (cluster % this.perBlock) * this.entryBytes);
    this.tables.write(cluster * this.clusterSize, block);
    const entry = new Uint8Array(8);
    new DataView(entry.buffer).setBigUint64(0, BigInt(cluster * this.clusterSize), false);
    this.tables.write(tableAt, entry);
  }

  /** Refcount entry position of host `cluster`; undefined when no refcount block covers it. */
  private entryAt(cluster: number): number | undefined {
    const tableIndex = Math.floor(cluster / this.perBlock);
    if (tableIndex >= this.tableEntries) return undefined;
    const tableAt = this.tableOffset + tableIndex * 8;
    const block = Number(this.tables.u64be(tableAt) & OFFSET_MASK);
    if (block === 0) return undefined;
    if (block % this.clusterSize !== 0 || block + this.clusterSize > this.file.size) {
      throw new ImageError("bad-refcount", `${this.path}: qcow2 refcount table entry ${tableIndex} points to ${block}, not a cluster inside the file`, { path: this.path, offset: tableAt });
    }
    return block + (cluster % this.perBlock) * this.entryBytes;
  }

  /** The refcount of host `cluster`: 0 where no refcount block covers it. */
  refcountOf(cluster: number): bigint {
    const at = this.entryAt(cluster);
    return at === undefined ? 0n : this.read(at);
  }

  /** The host clusters [first, last] each counted by a reference that is about to go (a compressed cluster's bytes). */
  checkReleasable(first: number, last: number): void {
    for (let c = first; c <= last; c++) {
      const at = this.entryAt(c);
      if (at === undefined || this.read(at) === 0n) {
        throw new ImageError("bad-refcount", `${this.path}: qcow2 host cluster ${c} holds compressed data but has refcount 0; the image is inconsistent (qemu-img check)`, {
          path: this.path,
          ...(at === undefined ? {} : { offset: at }),
        });
      }
    }
  }

  /** Drops one reference from each host cluster [first, last] (checked by checkReleasable). Clusters reaching 0 are free. */
  release(first: number, last: number): void {
    this.checkReleasable(first, last);
    for (let c = first; c <= last; c++) {
      const at = this.entryAt(c) as number;
      this.tables.write(at, this.encode(this.read(at) - 1n));
    }
  }

  private read(at: number): bigint {
    switch (this.entryBytes) {
      case 1:
        return BigInt(this.tables.u8(at));
      case 2:
        return BigInt(this.tables.u16be(at));
      case 4:
        return BigInt(this.tables.u32be(at));
      default:
        return this.tables.u64be(at);
    }
  }

  private encode(value: bigint): Uint8Array {
    const out = new Uint8Array(this.entryBytes);
    let rest = value;
    for (let i = this.entryBytes - 1; i >= 0; i--) {
      out[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    return out;
  }
}
