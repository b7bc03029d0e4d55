/**
 * Writes collected while a rewrite is planned and issued only once every check has passed,
 * so a refusal leaves the device untouched.
 */
import type { BlockDevice } from "../../../io/block-device.js";

export interface PendingWrite {
  deviceOffset: number;
  bytes: Uint8Array;
  /** What the bytes are, for the report ("data", "MFT record 72", "$Bitmap", ...). */
  what: string;
}

export class PendingWrites {
  readonly list: PendingWrite[] = [];

  add(deviceOffset: number, bytes: Uint8Array, what: string): void {
    if (bytes.length > 0) this.list.push({ deviceOffset, bytes, what });
  }

  /** Issues the writes in the order they were added (data before the metadata naming it). */
  apply(device: BlockDevice): void {
    for (const pendingWrite of this.list) device.write(pendingWrite.deviceOffset, pendingWrite.bytes);
  }
}
