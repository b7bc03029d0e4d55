import { readDeviceInto, type BlockDevice } from "./block-device.js";
import { checkRange } from "./range.js";

/** A window [start, start+size) of another device: a partition, or a flat extent. */
export class SliceDevice implements BlockDevice {
  readonly sectorSize?: number;
  constructor(
    readonly parent: BlockDevice,
    readonly start: number,
    readonly size: number,
  ) {
    checkRange(start, size, parent.size, "slice");
    if (parent.sectorSize !== undefined) this.sectorSize = parent.sectorSize;
  }
  get writable(): boolean {
    return this.parent.writable;
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size, "slice");
    return this.parent.read(this.start + offset, length);
  }
  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): void {
    checkRange(offset, length, this.size, "slice");
    readDeviceInto(this.parent, this.start + offset, target, targetOffset, length);
  }
  write(offset: number, data: Uint8Array): void {
    checkRange(offset, data.length, this.size, "slice");
    this.parent.write(this.start + offset, data);
  }
  flush(): void {
    this.parent.flush();
  }
  close(): void {}
}
