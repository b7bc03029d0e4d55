import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { ImageError } from "../errors.js";
import type { BlockDevice } from "./block-device.js";
import { checkRange } from "./range.js";

/** A file on the host as a BlockDevice. Opened read-only unless `writable` is asked for. */
export class FileDevice implements BlockDevice {
  private currentSize: number;
  readonly writable: boolean;
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string, options: { writable?: boolean } = {}) {
    this.path = path;
    this.writable = options.writable ?? false;
    try {
      this.fd = openSync(path, this.writable ? "r+" : "r");
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
    if (!stat.isFile() && !stat.isBlockDevice()) {
      closeSync(this.fd);
      throw new ImageError("not-a-file", `${path} is not a regular file (a pipe or socket cannot be read at random offsets)`, { path });
    }
    this.currentSize = stat.size;
  }

  get size(): number {
    return this.currentSize;
  }

  resize(newSize: number): void {
    if (!this.writable) throw new ImageError("read-only", `${this.path} was opened read-only`, { path: this.path });
    if (!Number.isSafeInteger(newSize) || newSize < 0) throw new ImageError("bad-size", `${this.path}: invalid new size ${newSize}`, { path: this.path });
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
    let done = 0;
    while (done < length) {
      const n = readSync(fd, target, targetOffset + done, length - done, offset + done);
      if (n === 0) throw new ImageError("short-read", `${this.path}: unexpected end of file at ${offset + done}`, { offset: offset + done, path: this.path });
      done += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (!this.writable) throw new ImageError("read-only", `${this.path} was opened read-only`, { path: this.path });
    checkRange(offset, data.length, this.size, this.path);
    const fd = this.handle();
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
  }

  /** Bytes the file occupies on the host filesystem (allocated blocks; less than `size` for sparse files). */
  allocatedBytes(): number {
    return fstatSync(this.handle()).blocks * 512;
  }

  flush(): void {
    if (this.writable) fsyncSync(this.handle());
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
