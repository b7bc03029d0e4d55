/**
 * VHDX Block Allocation Table: u64 LE entries, bits 0-2 state, bits 20-63 file offset in MiB.
 * Payload entries are interleaved with sector-bitmap entries: after every `chunkRatio` payload
 * blocks comes one bitmap entry (used only by differencing disks, which are refused).
 * Source: MS-VHDX 2.5 "BAT".
 */
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { type HostExtent, HostExtentIndex } from "../host-extents.js";
import { TableCache } from "../table-cache.js";
import type { Mapping, WritableAddressMap, WritePlan, WriteTarget } from "../types.js";
import { checkHostRun } from "../util.js";

const MiB = 2 ** 20;

export const PayloadState = {
  notPresent: 0,
  undefined: 1,
  zero: 2,
  unmapped: 3,
  fullyPresent: 6,
  partiallyPresent: 7,
} as const;

/** 2^23 × logical sector size / block size: payload blocks described by one sector bitmap block. */
export function chunkRatio(logicalSectorSize: number, blockSize: number): number {
  return (2 ** 23 * logicalSectorSize) / blockSize;
}

/** BAT entries a non-differencing disk needs: payload blocks plus the interleaved bitmap slots. */
export function batEntryCount(virtualSize: number, blockSize: number, ratio: number): number {
  const dataBlocks = Math.ceil(virtualSize / blockSize);
  return dataBlocks + Math.floor((dataBlocks - 1) / ratio);
}

/**
 * Payload translation. Writes go into FULLY_PRESENT blocks in place; any other block state
 * (not present, zero, unmapped, undefined) gets a new block appended at the end of the file,
 * 1 MiB aligned, zero-filled, and its BAT entry set to FULLY_PRESENT after the data is written.
 * The BAT entry is written directly, not through the log: the log stays empty.
 */
export class VhdxBatMap implements WritableAddressMap {
  private readonly tables: TableCache;
  private readonly ratio: number;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly batOffset: number,
    private readonly blockSize: number,
    logicalSectorSize: number,
    readonly virtualSize: number,
    /** Called once before the first write (the session header update). */
    private readonly onBeginWrite: () => void = () => {},
    /** Headers, log, BAT and metadata regions: no block may share bytes with them. */
    private readonly regions: HostExtent[] = [],
  ) {
    this.tables = new TableCache(file, `${path} VHDX BAT`);
    this.ratio = chunkRatio(logicalSectorSize, blockSize);
  }

  /** The BAT index of payload block `block`. */
  entryIndex(block: number): number {
    return block + Math.floor(block / this.ratio);
  }

  mapOffset(virtualOffset: number): Mapping {
    const block = Math.floor(virtualOffset / this.blockSize);
    const inBlock = virtualOffset - block * this.blockSize;
    const length = Math.min(this.blockSize - inBlock, this.virtualSize - virtualOffset);
    const index = this.entryIndex(block);
    const entryAt = this.batOffset + index * 8;
    const entry = this.tables.u64le(entryAt);
    const state = Number(entry & 7n);
    switch (state) {
      case PayloadState.notPresent:
      case PayloadState.undefined:
      case PayloadState.zero:
      case PayloadState.unmapped:
        return { kind: "zero", length };
      case PayloadState.fullyPresent: {
        const offsetMiB = Number(entry >> 20n);
        // The first MiB holds the headers; a payload there is corruption.
        if (offsetMiB === 0) {
          throw new ImageError("bad-bat", `${this.path}: VHDX BAT entry ${index} places block ${block} at offset 0`, { path: this.path, offset: entryAt });
        }
        const blockStart = offsetMiB * MiB;
        // Only the run read must be inside the file: the last block may stop at the disk's end.
        checkHostRun(this.file, blockStart + inBlock, length, `VHDX BAT entry ${index}`, this.path);
        return { kind: "data", file: this.file, offset: blockStart + inBlock, length };
      }
      case PayloadState.partiallyPresent:
        throw new ImageError("unsupported-differencing", `${this.path}: VHDX block ${block} is partially present (differencing data)`, {
          path: this.path,
          offset: entryAt,
        });
      default:
        throw new ImageError("bad-bat", `${this.path}: VHDX BAT entry ${index} has invalid state ${state}`, { path: this.path, offset: entryAt });
    }
  }

  beginWrite(): void {
    this.onBeginWrite();
  }

  mapWrite(virtualOffset: number, length: number, plan?: WritePlan): WriteTarget {
    const block = Math.floor(virtualOffset / this.blockSize);
    const inBlock = virtualOffset - block * this.blockSize;
    const run = Math.min(this.blockSize - inBlock, this.virtualSize - virtualOffset, length);
    const index = this.entryIndex(block);
    const entryAt = this.batOffset + index * 8;
    const state = Number(this.tables.u64le(entryAt) & 7n);
    if (state === PayloadState.fullyPresent) {
      const mapping = this.mapOffset(virtualOffset);
      if (mapping.kind !== "data") throw new ImageError("bad-mapping", `${this.path}: VHDX block ${block} did not map to data`, { path: this.path });
      const blockStart = mapping.offset - inBlock;
      this.extents().refuseOverlap(blockStart, blockStart + this.blockSize, index, "VHDX", this.path);
      return { file: this.file, offset: mapping.offset, length: run };
    }
    if (state === PayloadState.partiallyPresent || state > PayloadState.unmapped) this.mapOffset(virtualOffset); // throws the typed error
    if (this.file.resize === undefined) {
      throw new RefusedError("needs-allocation", `${this.path}: VHDX block ${block} is not allocated and the host file cannot grow`, { path: this.path });
    }
    if (plan) return { file: this.file, offset: -1, length: run };
    const blockStart = Math.ceil(this.file.size / MiB) * MiB;
    // New file space reads as zeros (file truncate, overlay growth): the rest of the block is zero.
    this.file.resize(blockStart + this.blockSize);
    const entry = new Uint8Array(8);
    new DataView(entry.buffer).setBigUint64(0, (BigInt(blockStart / MiB) << 20n) | BigInt(PayloadState.fullyPresent), true);
    return { file: this.file, offset: blockStart + inBlock, length: run, commit: () => this.tables.write(entryAt, entry) };
  }

  private extentIndex?: HostExtentIndex;

  /**
   * Every block the BAT places (payload and sector-bitmap entries) and the fixed regions, read
   * once before the first write: a block written must not share bytes with any of them
   * (what qemu's vhdx_region_check refuses at open).
   */
  private extents(): HostExtentIndex {
    if (this.extentIndex) return this.extentIndex;
    const count = batEntryCount(this.virtualSize, this.blockSize, this.ratio);
    const bat = this.file.read(this.batOffset, count * 8);
    const view = new DataView(bat.buffer, bat.byteOffset, bat.byteLength);
    const blocks: [number, number][] = [];
    const fixed = [...this.regions];
    for (let i = 0; i < count; i++) {
      const entry = view.getBigUint64(i * 8, true);
      const state = Number(entry & 7n);
      const start = Number(entry >> 20n) * MiB;
      const bitmapSlot = (i + 1) % (this.ratio + 1) === 0;
      if (bitmapSlot && state === PayloadState.fullyPresent) fixed.push({ name: `sector bitmap entry ${i}`, start, end: start + MiB });
      else if (!bitmapSlot && (state === PayloadState.fullyPresent || state === PayloadState.partiallyPresent)) blocks.push([i, start]);
    }
    this.extentIndex = new HostExtentIndex(fixed, blocks, this.blockSize, (entry) => `BAT entry ${entry}`);
    return this.extentIndex;
  }

  flush(): void {
    this.file.flush();
  }
}
