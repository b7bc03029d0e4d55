import { readDeviceInto, type BlockDevice } from "../io/block-device.js";

/**
 * A read-only window on a device that does not close it: the verify step reopens the whole
 * stack on the transaction's overlays through this, so a fresh reader sees exactly what would
 * be written and cannot change or close them.
 */
export class ReadOnlyView implements BlockDevice {
  readonly writable = false;
  readonly sectorSize?: number;
  constructor(private readonly inner: BlockDevice) {
    if (inner.sectorSize !== undefined) this.sectorSize = inner.sectorSize;
  }
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset, length);
  }

  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): void {
    readDeviceInto(this.inner, offset, target, targetOffset, length);
  }
  write(): void {
    throw new Error("ReadOnlyView: write on a read-only view");
  }
  flush(): void {}
  close(): void {}
}
