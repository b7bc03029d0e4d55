/**
 * Hive bytes read from their file only where the reader looks. The buffer has the file's size
 * but starts zero-filled (untouched pages cost nothing); a chunk is read the first time a cell in
 * it is visited (CellSpace.tryCell asks for it). Inspecting Windows reads about a fifth of a
 * 12 MB SYSTEM hive this way, and only a few keys of a SOFTWARE hive that is often far larger.
 *
 * Only cell reads are served on demand: code that needs the raw bytes (writers, the structural
 * check, a byte-for-byte copy) calls `all()`, which reads whatever is still missing.
 */
import { RegfError } from "../errors.js";

/** Where the bytes come from: a host file (a FileDevice is one), or a file inside a disk image. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `position` (a typed error when they cannot be read). */
  read(position: number, length: number): Uint8Array;
  /** read() straight into `target` at `targetOffset` (saves a copy where the source can). */
  readInto?(position: number, target: Uint8Array, targetOffset: number, length: number): void;
  close(): void;
}

/** 16 KiB: measured on the corpus SYSTEM hives, fewer bytes than 64 KiB and fewer reads than 4 KiB. */
export const CHUNK_SIZE = 16 * 1024;

export interface OnDemandOptions {
  /**
   * Fill the unread bytes with this value (tests use it to catch a read of a chunk that was never
   * loaded); by default they are left uninitialised, which costs nothing.
   */
  poison?: number;
  /** A power of two from 512 to 1 MiB (default CHUNK_SIZE); tests use small ones to cross more chunk edges. */
  chunkSize?: number;
}

export class OnDemandBytes {
  readonly bytes: Uint8Array;
  private readonly loaded: Uint8Array;
  private missing: number;
  private source: ByteSource | undefined;
  private readonly what: string;
  private readonly chunkShift: number;

  /** `head`: bytes already read from the start of the source (the base block), kept as they are. */
  constructor(source: ByteSource, head: Uint8Array, what: string, options: OnDemandOptions = {}) {
    const chunkSize = options.chunkSize ?? CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 512 || chunkSize > 1 << 20 || (chunkSize & (chunkSize - 1)) !== 0) {
      throw new RangeError(`chunk size ${chunkSize} is not a power of two from 512 to 1 MiB`);
    }
    this.chunkShift = Math.log2(chunkSize);
    this.source = source;
    this.what = what;
    // Not zero-filled: 12 MB of zeroes cost as much as reading the chunks an inspect needs. A
    // plain Uint8Array view, so that slice() copies as everywhere else.
    const buffer = Buffer.allocUnsafeSlow(source.size);
    this.bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    if (options.poison !== undefined) this.bytes.fill(options.poison);
    const chunks = Math.ceil(source.size / chunkSize);
    this.loaded = new Uint8Array(chunks);
    this.missing = chunks;
    const kept = Math.min(head.length, source.size);
    this.bytes.set(head.subarray(0, kept));
    // A chunk counts as read only when the head covers all of it.
    const whole = kept === source.size ? chunks : kept >>> this.chunkShift;
    for (let c = 0; c < whole; c++) this.markLoaded(c);
  }

  /** Makes bytes [position, position + length) readable in `bytes` (clipped to the file). */
  ensure(position: number, length: number): void {
    if (this.missing === 0) return;
    const shift = this.chunkShift;
    const first = position >>> shift;
    const last = Math.min(this.loaded.length - 1, (position + Math.max(length, 1) - 1) >>> shift);
    for (let c = first; c <= last; c++) {
      if (this.loaded[c] !== 0) continue;
      // One read for a run of missing chunks.
      let end = c + 1;
      while (end <= last && this.loaded[end] === 0) end++;
      this.load(c, end);
      c = end - 1;
    }
  }

  /** The whole file, reading every chunk not read yet. */
  all(): Uint8Array {
    this.ensure(0, this.bytes.length);
    return this.bytes;
  }

  /** Releases the source. Later reads of missing chunks fail with a typed error. */
  close(): void {
    const source = this.source;
    this.source = undefined;
    source?.close();
  }

  private load(firstChunk: number, endChunk: number): void {
    const source = this.source;
    if (!source) throw new RegfError("closed", `${this.what} was closed: its bytes can no longer be read`, { path: this.what });
    const start = firstChunk << this.chunkShift;
    const end = Math.min(this.bytes.length, endChunk << this.chunkShift);
    if (source.readInto) {
      source.readInto(start, this.bytes, start, end - start);
    } else {
      const got = source.read(start, end - start);
      if (got.length !== end - start) {
        throw new RegfError("truncated", `${this.what}: read ${got.length} of ${end - start} bytes at offset ${start}`, { offset: start + got.length, path: this.what });
      }
      this.bytes.set(got, start);
    }
    for (let c = firstChunk; c < endChunk; c++) this.markLoaded(c);
  }

  private markLoaded(chunk: number): void {
    if (this.loaded[chunk] !== 0) return;
    this.loaded[chunk] = 1;
    this.missing--;
  }
}
