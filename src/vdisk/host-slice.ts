/** A window of a host file that owns the file: closing the slice closes the image. */
import type { BlockDevice } from "../io/block-device.js";
import { SliceDevice } from "../io/slice-device.js";

export class HostSlice extends SliceDevice {
  constructor(
    parent: BlockDevice,
    start: number,
    size: number,
    private readonly onClose: () => void,
  ) {
    super(parent, start, size);
  }
  override close(): void {
    this.onClose();
  }
}
