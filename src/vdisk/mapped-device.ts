/**
 * The virtual disk of a sparse container as a BlockDevice: reads walk the format's
 * `mapOffset` run by run, so the cost follows the bytes read, never the virtual size.
 */
import { ImageError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { checkRange } from "../io/range.js";
import type { AddressMap } from "./types.js";

/** Decompressed clusters/grains kept: a few MiB at most (units are ≤ 2 MiB, usually 64 KiB). */
const DECOMPRESSED_CACHE_ENTRIES = 16;

export class MappedDevice implements BlockDevice {
  readonly writable = false;
  readonly sectorSize?: number;
  private readonly decompressed = new Map<string, Uint8Array>();

  constructor(
    private readonly map: AddressMap,
    private readonly what: string,
    private readonly onClose: () => void,
    sectorSize?: number,
  ) {
    if (sectorSize !== undefined) this.sectorSize = sectorSize;
  }

  get size(): number {
    return this.map.virtualSize;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size, this.what);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const m = this.map.mapOffset(offset + done);
      // A mapping must make progress; a zero-length run would loop forever.
      if (!(m.length > 0)) {
        throw new ImageError("bad-mapping", `${this.what}: no progress mapping offset ${offset + done}`, { offset: offset + done });
      }
      const n = Math.min(m.length, length - done);
      if (m.kind === "data") out.set(m.file.read(m.offset, n), done);
      else if (m.kind === "compressed") out.set(this.unit(m.key, m.load).subarray(m.offsetInUnit, m.offsetInUnit + n), done);
      // "zero": the output is already zero-filled.
      done += n;
    }
    return out;
  }

  private unit(key: string, load: () => Uint8Array): Uint8Array {
    let bytes = this.decompressed.get(key);
    if (bytes) {
      this.decompressed.delete(key);
    } else {
      bytes = load();
      if (this.decompressed.size >= DECOMPRESSED_CACHE_ENTRIES) {
        this.decompressed.delete(this.decompressed.keys().next().value as string);
      }
    }
    this.decompressed.set(key, bytes);
    return bytes;
  }

  write(): void {
    throw new ImageError("read-only", `${this.what}: writing into this container is not supported yet`);
  }

  flush(): void {}

  close(): void {
    this.decompressed.clear();
    this.onClose();
  }
}
