/**
 * The virtual disk of a sparse container as a BlockDevice: reads walk the format's
 * `mapOffset` run by run, so the cost follows the bytes read, never the virtual size.
 */
import { ImageError } from "../errors.js";
import { readDeviceInto, type BlockDevice } from "../io/block-device.js";
import { checkRange } from "../io/range.js";
import type { AddressMap, WritableAddressMap, WritePlan } from "./types.js";

/** Decompressed clusters/grains kept: a few MiB at most (units are ≤ 2 MiB, usually 64 KiB). */
const DECOMPRESSED_CACHE_ENTRIES = 16;

export interface MappedDeviceOptions {
  /** Virtual offsets to host bytes. */
  map: AddressMap;
  /** The image, for messages. */
  what: string;
  onClose: () => void;
  /** The logical sector size the container states (default 512). */
  sectorSize?: number;
  /** Given when the image was opened for writing. */
  writer?: WritableAddressMap;
}

export class MappedDevice implements BlockDevice {
  readonly sectorSize?: number;
  private readonly decompressed = new Map<string, Uint8Array>();
  private writeBegun = false;

  /** `writer` (the same map, writable) makes the device writable. */
  private readonly map: AddressMap;
  private readonly what: string;
  private readonly onClose: () => void;
  private readonly writer: WritableAddressMap | undefined;

  constructor(options: MappedDeviceOptions) {
    this.map = options.map;
    this.what = options.what;
    this.onClose = options.onClose;
    this.writer = options.writer;
    if (options.sectorSize !== undefined) this.sectorSize = options.sectorSize;
  }

  get writable(): boolean {
    return this.writer !== undefined;
  }

  get size(): number {
    return this.map.virtualSize;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out, 0, length);
    return out;
  }

  /**
   * Reads straight into `target`. Runs that follow each other in the same host file (clusters
   * a converter wrote in order) become one host read: a large read costs few system calls.
   */
  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): void {
    checkRange(offset, length, this.size, this.what);
    checkRange(targetOffset, length, target.length, "read target");
    // A pending host read [pendingOffset, +pendingLength) of `pendingFile` into target at pendingAt.
    let pendingFile: BlockDevice | undefined;
    let pendingOffset = 0;
    let pendingLength = 0;
    let pendingAt = 0;
    const flush = () => {
      if (pendingFile && pendingLength > 0) readDeviceInto(pendingFile, pendingOffset, target, pendingAt, pendingLength);
      pendingFile = undefined;
      pendingLength = 0;
    };
    let done = 0;
    while (done < length) {
      const mapping = this.map.mapOffset(offset + done);
      // A mapping must make progress; a zero-length run would loop forever.
      if (!(mapping.length > 0)) {
        throw new ImageError("bad-mapping", `${this.what}: no progress mapping offset ${offset + done}`, { offset: offset + done });
      }
      const count = Math.min(mapping.length, length - done);
      const at = targetOffset + done;
      if (mapping.kind === "data") {
        if (pendingFile === mapping.file && pendingOffset + pendingLength === mapping.offset) pendingLength += count;
        else {
          flush();
          pendingFile = mapping.file;
          pendingOffset = mapping.offset;
          pendingLength = count;
          pendingAt = at;
        }
      } else {
        flush();
        if (mapping.kind === "compressed") target.set(this.unit(mapping.key, mapping.load).subarray(mapping.offsetInUnit, mapping.offsetInUnit + count), at);
        else target.fill(0, at, at + count);
      }
      done += count;
    }
    flush();
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

  write(offset: number, data: Uint8Array): void {
    const writer = this.writer;
    if (!writer) throw new ImageError("read-only", `${this.what} was opened read-only`);
    checkRange(offset, data.length, this.size, this.what);
    // Every run is checked first, so a refused write changes nothing at all.
    const plan: WritePlan = { newUnits: 0, newTables: new Set(), hostUnits: new Map() };
    this.walk(offset, data.length, (at, remaining) => writer.mapWrite(at, remaining, plan).length);
    if (!this.writeBegun && data.length > 0) {
      writer.beginWrite?.();
      this.writeBegun = true;
    }
    let done = 0;
    this.walk(offset, data.length, (at, remaining) => {
      const target = writer.mapWrite(at, remaining);
      const count = Math.min(target.length, remaining);
      target.file.write(target.offset, data.subarray(done, done + count));
      target.commit?.();
      done += count;
      return count;
    });
    // A unit cached before may now be stale (writes never land in compressed units; belt and braces).
    this.decompressed.clear();
  }

  /** Calls `step` for each run of [offset, offset+length) until done; `step` returns the run length. */
  private walk(offset: number, length: number, step: (at: number, remaining: number) => number): void {
    let done = 0;
    while (done < length) {
      const count = step(offset + done, length - done);
      if (!(count > 0)) throw new ImageError("bad-mapping", `${this.what}: no progress mapping offset ${offset + done} for writing`, { offset: offset + done });
      done += Math.min(count, length - done);
    }
  }

  flush(): void {
    this.writer?.flush();
  }

  close(): void {
    this.decompressed.clear();
    this.onClose();
  }
}
