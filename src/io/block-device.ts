/**
 * A sized random-access byte device. Synchronous on purpose: every layer above (container
 * formats, partition tables, NTFS) does many small dependent reads, and a CLI gains nothing
 * from interleaving them.
 *
 * Offsets and sizes are JS numbers (exact up to 2^53 bytes, 8 PiB).
 */
export interface BlockDevice {
  /** Size in bytes. */
  readonly size: number;
  /** Logical sector size in bytes where the container knows it (VHDX 4096-byte disks), else undefined. */
  readonly sectorSize?: number;
  /** True when write() is supported. */
  readonly writable: boolean;
  /** Reads exactly `length` bytes at `offset`; throws if the range is outside the device. */
  read(offset: number, length: number): Uint8Array;
  /**
   * read() into a caller's buffer at `targetOffset`, without an intermediate copy (large
   * sequential reads such as `cat`). Optional: readDeviceInto falls back to read().
   */
  readInto?(offset: number, target: Uint8Array, targetOffset: number, length: number): void;
  /** Writes `data` at `offset`; throws if not writable or the range is outside the device. */
  write(offset: number, data: Uint8Array): void;
  /**
   * Changes the size (host files of growing containers: qcow2, dynamic VHD, VHDX and sparse
   * VMDK append blocks when a write lands in an unallocated one). Absent when the device has a
   * fixed size.
   */
  resize?(newSize: number): void;
  /** Makes previous writes durable (fsync for files). */
  flush(): void;
  close(): void;
}

/** `device.readInto` where the device has it, else read() and one copy. */
export function readDeviceInto(device: BlockDevice, offset: number, target: Uint8Array, targetOffset: number, length: number): void {
  if (device.readInto) device.readInto(offset, target, targetOffset, length);
  else target.set(device.read(offset, length), targetOffset);
}
