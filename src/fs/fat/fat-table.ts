/**
 * The file allocation table: one entry per cluster naming the next cluster of the chain.
 * Entries are 12, 16 or 28 bits wide. The table is read lazily in chunks, so a large
 * FAT32 volume costs only the parts of the table its files use.
 */
import { FsError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import type { FatBootSector } from "./boot-sector.js";

const CHUNK_SIZE = 64 * 1024;

export class FatTable {
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly fatOffset: number;
  private readonly fatBytes: number;
  /** Entries at or above this value end a chain. */
  private readonly endOfChain: number;
  private readonly badCluster: number;

  constructor(
    private readonly device: BlockDevice,
    private readonly boot: FatBootSector,
  ) {
    this.fatBytes = boot.sectorsPerFat * boot.bytesPerSector;
    this.fatOffset = (boot.firstFatSector + boot.activeFat * boot.sectorsPerFat) * boot.bytesPerSector;
    const [eoc, bad] = boot.type === "fat12" ? [0xff8, 0xff7] : boot.type === "fat16" ? [0xfff8, 0xfff7] : [0x0ffffff8, 0x0ffffff7];
    this.endOfChain = eoc;
    this.badCluster = bad;
  }

  private byteAt(offset: number): number {
    const index = Math.floor(offset / CHUNK_SIZE);
    let chunk = this.chunks.get(index);
    if (chunk === undefined) {
      const start = index * CHUNK_SIZE;
      chunk = this.device.read(this.fatOffset + start, Math.min(CHUNK_SIZE, this.fatBytes - start));
      this.chunks.set(index, chunk);
    }
    return chunk[offset - index * CHUNK_SIZE];
  }

  /** Raw value of the FAT entry for `cluster`. */
  entry(cluster: number): number {
    switch (this.boot.type) {
      case "fat12": {
        // 1.5 bytes per entry: even clusters take the low 12 bits, odd ones the high 12.
        const offset = cluster + (cluster >> 1);
        const value = this.byteAt(offset) | (this.byteAt(offset + 1) << 8);
        return cluster & 1 ? value >> 4 : value & 0xfff;
      }
      case "fat16": {
        const offset = cluster * 2;
        return this.byteAt(offset) | (this.byteAt(offset + 1) << 8);
      }
      case "fat32": {
        const offset = cluster * 4;
        const value = this.byteAt(offset) | (this.byteAt(offset + 1) << 8) | (this.byteAt(offset + 2) << 16) | (this.byteAt(offset + 3) << 24);
        return (value >>> 0) & 0x0fffffff; // the top 4 bits are reserved
      }
    }
  }

  checkCluster(cluster: number, what: string): void {
    if (cluster < 2 || cluster > this.boot.maxCluster) {
      throw new FsError("cluster-out-of-range", `${what}: cluster ${cluster} is outside 2..${this.boot.maxCluster}`, {
        offset: this.clusterOffset(Math.max(2, Math.min(cluster, this.boot.maxCluster))),
      });
    }
  }

  /** Byte offset of a cluster's data on the volume. */
  clusterOffset(cluster: number): number {
    return (this.boot.firstDataSector + (cluster - 2) * this.boot.sectorsPerCluster) * this.boot.bytesPerSector;
  }

  /**
   * The clusters of the chain starting at `first`, at most `limit` of them (all when
   * undefined). Every step is range-checked and a cluster met twice is a loop.
   */
  chain(first: number, what: string, limit = Infinity): number[] {
    const clusters: number[] = [];
    const seen = new Set<number>();
    let cluster = first;
    this.checkCluster(cluster, what);
    while (clusters.length < limit) {
      if (seen.has(cluster)) {
        throw new FsError("fat-chain-loop", `${what}: cluster chain from ${first} loops back to cluster ${cluster}`, {
          offset: this.clusterOffset(cluster),
        });
      }
      seen.add(cluster);
      clusters.push(cluster);
      const next = this.entry(cluster);
      if (next >= this.endOfChain) break;
      if (next === this.badCluster) {
        throw new FsError("fat-bad-cluster", `${what}: chain reaches a cluster marked bad after cluster ${cluster}`, { offset: this.clusterOffset(cluster) });
      }
      if (next === 0) {
        throw new FsError("fat-chain-free", `${what}: chain runs into a free cluster after cluster ${cluster}`, { offset: this.clusterOffset(cluster) });
      }
      this.checkCluster(next, what);
      cluster = next;
    }
    return clusters;
  }
}
