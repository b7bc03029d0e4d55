/**
 * VHDX Block Allocation Table: u64 LE entries, bits 0-2 state, bits 20-63 file offset in MiB.
 * Payload entries are interleaved with sector-bitmap entries: after every `chunkRatio` payload
 * blocks comes one bitmap entry (used only by differencing disks, which are refused).
 * Source: MS-VHDX 2.5 "BAT".
 */
import { ImageError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { TableCache } from "../table-cache.js";
import type { AddressMap, Mapping } from "../types.js";
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

export class VhdxBatMap implements AddressMap {
  private readonly tables: TableCache;
  private readonly ratio: number;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly batOffset: number,
    private readonly blockSize: number,
    logicalSectorSize: number,
    readonly virtualSize: number,
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
}
