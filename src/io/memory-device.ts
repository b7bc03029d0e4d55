import { ImageError } from "../errors.js";
import type { BlockDevice } from "./block-device.js";
import { checkRange } from "./range.js";

/** A byte array as a BlockDevice (tests, decompressed fixtures, hive files read whole). */
export class MemoryDevice implements BlockDevice {
  readonly writable: boolean;
  readonly sectorSize?: number;
  constructor(
    readonly bytes: Uint8Array,
    options: { writable?: boolean; sectorSize?: number } = {},
  ) {
    this.writable = options.writable ?? true;
    if (options.sectorSize !== undefined) this.sectorSize = options.sectorSize;
  }
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size, "memory device");
    return this.bytes.slice(offset, offset + length);
  }
  write(offset: number, data: Uint8Array): void {
    if (!this.writable) throw new ImageError("read-only", "memory device is read-only");
    checkRange(offset, data.length, this.size, "memory device");
    this.bytes.set(data, offset);
  }
  flush(): void {}
  close(): void {}
}
