/**
 * The size of a block device (fstat says 0 for one). Linux: the kernel's count of 512-byte
 * sectors in /sys/dev/block/MAJOR:MINOR/size (sysfs-block(5): "size" is always in 512-byte
 * units, whatever the logical block size); the major:minor come from the device node itself, so
 * a node with any name (/dev/p2vfix/disk-0 in a pod, /dev/disk/by-id links) is found. Where that
 * cannot be read (macOS, a container without /sys), the size is found by reading: a read at or
 * past the end returns 0 bytes, so an exponential then binary search over 512-byte sectors with
 * sector-aligned reads finds the last sector in about 2·log2(sectors) reads.
 */
import { fstatSync, readFileSync, readSync } from "node:fs";
import { ImageError } from "../errors.js";
import { deviceNumbers } from "./device-numbers.js";

export const DEVICE_SECTOR = 512;

/** Bytes a 512-byte read of sector `sector` returns (0: past the end). */
function readSector(fd: number, sector: number, buffer: Uint8Array): number {
  return readSync(fd, buffer, 0, DEVICE_SECTOR, sector * DEVICE_SECTOR);
}

/** Finds the size by reading (see the module comment). Exported for tests on files, which end the same way. */
export function probeSizeByReading(fd: number): number {
  const buffer = new Uint8Array(DEVICE_SECTOR);
  const first = readSector(fd, 0, buffer);
  if (first < DEVICE_SECTOR) return first;
  // Sector `low` exists; find a `high` that does not.
  let low = 0;
  let high = 1;
  while (readSector(fd, high, buffer) === DEVICE_SECTOR) {
    low = high;
    high *= 2;
    if (high > 2 ** 43) throw new ImageError("device-size-unknown", "the device reads past 4 PiB: its size cannot be found by reading");
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (readSector(fd, mid, buffer) === DEVICE_SECTOR) low = mid;
    else high = mid;
  }
  // `low` is the last full sector; a device ending inside `high` (never seen for real disks) adds what it has.
  return high * DEVICE_SECTOR + readSector(fd, high, buffer);
}

/** The size in bytes of the block device open as `fd`. */
export function blockDeviceSize(fd: number, path: string): number {
  if (process.platform === "linux") {
    const { major, minor } = deviceNumbers(fstatSync(fd, { bigint: true }).rdev);
    try {
      const sectors = Number(readFileSync(`/sys/dev/block/${major}:${minor}/size`, "latin1").trim());
      if (Number.isSafeInteger(sectors) && sectors >= 0) return sectors * DEVICE_SECTOR;
    } catch {
      // no sysfs in this container: read to find it
    }
  }
  try {
    return probeSizeByReading(fd);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError("device-size-unknown", `${path}: cannot find the size of the block device (${(err as Error).message})`, { path, cause: err });
  }
}
