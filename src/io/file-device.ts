import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { ImageError, RefusedError } from "../errors.js";
import type { BlockDevice } from "./block-device.js";
import { blockDeviceSize } from "./block-device-size.js";
import { notADiskError, unreadableKind } from "./node-kind.js";
import { checkRange } from "./range.js";
import { readAligned, writeAligned } from "./sector-aligned.js";
import { startWriteback } from "./writeback.js";

/**
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; the fstat
 * right after refuses it. It changes nothing for regular files and block devices. (0 on Windows.)
 */
const OPEN_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * A file on the host as a BlockDevice. Opened read-only unless `writable` is asked for. A block
 * device (/dev/sdb, an LV, a loop device) works too: its size comes from the kernel
 * (block-device-size.ts), its reads and writes are sector-aligned, and it cannot be resized.
 */
export class FileDevice implements BlockDevice {
  private currentSize: number;
  readonly writable: boolean;
  readonly path: string;
  /** True for a block device rather than a regular file. */
  readonly isBlockDevice: boolean;
  private fd: number | undefined;

  constructor(path: string, options: { writable?: boolean } = {}) {
    this.path = path;
    this.writable = options.writable ?? false;
    try {
      this.fd = openSync(path, (this.writable ? constants.O_RDWR : constants.O_RDONLY) | OPEN_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "EIO";
      throw new ImageError(code === "ENOENT" ? "not-found" : "open-failed", `cannot open ${path}: ${(err as Error).message}`, {
        path,
        cause: err,
      });
    }
    const stat = fstatSync(this.fd);
    if (stat.isDirectory()) {
      closeSync(this.fd);
      throw new ImageError("is-directory", `${path} is a directory, not a file`, { path });
    }
    const unreadable = unreadableKind(stat);
    if (unreadable) {
      closeSync(this.fd);
      throw notADiskError(path, unreadable);
    }
    this.isBlockDevice = stat.isBlockDevice();
    try {
      this.currentSize = this.isBlockDevice ? blockDeviceSize(this.fd, path) : stat.size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  get size(): number {
    return this.currentSize;
  }

  resize(newSize: number): void {
    if (!this.writable) throw new ImageError("read-only", `${this.path} was opened read-only`, { path: this.path });
    if (!Number.isSafeInteger(newSize) || newSize < 0) throw new ImageError("bad-size", `${this.path}: invalid new size ${newSize}`, { path: this.path });
    if (this.isBlockDevice && newSize !== this.currentSize) throw deviceCannotResize(this.path, this.currentSize, newSize);
    ftruncateSync(this.handle(), newSize);
    this.currentSize = newSize;
  }

  private handle(): number {
    if (this.fd === undefined) throw new ImageError("closed", `${this.path} is closed`, { path: this.path });
    return this.fd;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out, 0, length);
    return out;
  }

  /** read() into a caller's buffer at `targetOffset`, without an intermediate copy. */
  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): void {
    checkRange(offset, length, this.size, this.path);
    checkRange(targetOffset, length, target.length, "read target");
    const fd = this.handle();
    if (this.isBlockDevice) {
      readAligned(fd, this.currentSize, offset, target, targetOffset, length, this.path);
      return;
    }
    let done = 0;
    while (done < length) {
      const bytesRead = readSync(fd, target, targetOffset + done, length - done, offset + done);
      if (bytesRead === 0) throw new ImageError("short-read", `${this.path}: unexpected end of file at ${offset + done}`, { offset: offset + done, path: this.path });
      done += bytesRead;
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (!this.writable) throw new ImageError("read-only", `${this.path} was opened read-only`, { path: this.path });
    checkRange(offset, data.length, this.size, this.path);
    const fd = this.handle();
    if (this.isBlockDevice) {
      writeAligned(fd, this.currentSize, offset, data, this.path);
      return;
    }
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
  }

  /** Bytes the file occupies on the host filesystem (allocated blocks; less than `size` for sparse files). */
  allocatedBytes(): number {
    if (this.isBlockDevice) return this.currentSize;
    return fstatSync(this.handle()).blocks * 512;
  }

  flush(): void {
    if (this.writable) fsyncSync(this.handle());
  }

  /** Starts this file's dirty pages for the disk and returns at once (writeback.ts); flush() after it still makes them durable. */
  startFlush(): void {
    if (this.writable) startWriteback(this.path);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A block device has the size it was made with: a container that must grow (a new qcow2 cluster, a VHDX block) cannot be written on one. */
export function deviceCannotResize(path: string, size: number, wanted: number): RefusedError {
  return new RefusedError(
    "device-cannot-grow",
    `${path} is a block device of ${size} bytes, and this write needs the image to ${wanted > size ? "grow" : "shrink"} to ${wanted} bytes (a container allocating new blocks): nothing was written. Grow the device (lvextend) or convert the image to raw (qemu-img convert -O raw) and write that`,
    { path, expected: size, actual: wanted },
  );
}
