/**
 * Bounds-checked little-endian reads over a byte buffer. Every on-disk structure parser
 * reads through one of these so that a truncated or hostile input gives a typed error
 * carrying the absolute offset, never a RangeError or garbage.
 */
export type ErrorFactory = (code: string, message: string, offset: number) => Error;

const utf16Decoder = new TextDecoder("utf-16le");

/**
 * ISO-8859-1: each byte is the code point of the same number. (TextDecoder("latin1") is
 * windows-1252 by the web standard and maps 0x80–0x9F elsewhere, so it is not used.)
 */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Offset of bytes[0] in the enclosing file, used only in error messages. */
  readonly base: number;
  private readonly fail: ErrorFactory;

  constructor(bytes: Uint8Array, fail: ErrorFactory, base = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.fail = fail;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws unless [offset, offset+length) lies inside the buffer. */
  check(offset: number, length: number, what = "structure"): void {
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw this.fail(
        "truncated",
        `${what} at 0x${(this.base + offset).toString(16)} (${length} bytes) runs past the end of the data (${this.bytes.length} bytes)`,
        this.base + offset,
      );
    }
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.bytes[offset];
  }
  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }
  i32(offset: number): number {
    this.check(offset, 4);
    return this.view.getInt32(offset, true);
  }
  u16be(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, false);
  }
  u32be(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, false);
  }
  /** 64-bit value as a JS number; throws if it exceeds 2^53 (no real disk offset does). */
  u64(offset: number): number {
    this.check(offset, 8);
    return safeNumber(this.view.getBigUint64(offset, true), this.base + offset, this.fail);
  }
  u64be(offset: number): number {
    this.check(offset, 8);
    return safeNumber(this.view.getBigUint64(offset, false), this.base + offset, this.fail);
  }
  u64big(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }
  /** A view (no copy) of [offset, offset+length). */
  slice(offset: number, length: number, what?: string): Uint8Array {
    this.check(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }
  /** A reader over a sub-range, keeping absolute offsets in errors. */
  sub(offset: number, length: number, what?: string): ByteReader {
    return new ByteReader(this.slice(offset, length, what), this.fail, this.base + offset);
  }
  ascii(offset: number, length: number): string {
    return decodeLatin1(this.slice(offset, length));
  }
  latin1(offset: number, length: number): string {
    return decodeLatin1(this.slice(offset, length));
  }
  utf16(offset: number, length: number): string {
    return decodeUtf16le(this.slice(offset, length));
  }
}

function safeNumber(value: bigint, offset: number, fail: ErrorFactory): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw fail("value-too-large", `64-bit value 0x${value.toString(16)} is too large to be an offset or size`, offset);
  }
  return Number(value);
}

/** Little-endian u16 at `at`, straight from the bytes (no DataView, no bounds check: the caller's). */
export function u16le(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8);
}

/** Little-endian u32 at `at`, straight from the bytes (no DataView, no bounds check: the caller's). */
export function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 2 ** 24;
}

/** Whether this platform stores a Uint16Array's units least significant byte first (all but s390x). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** Up to this many bytes are decoded from their code units directly (an NTFS name is at most 510). */
const SHORT_UTF16 = 512;
/** Code units TextDecoder treats otherwise than as themselves: a lone surrogate becomes U+FFFD, a leading BOM is dropped. */
const SURROGATE_OR_BOM = /[\ud800-\udfff]|^\ufeff/;

/**
 * UTF-16LE bytes as text, exactly as TextDecoder("utf-16le") gives it. A short even-length run
 * at an even offset (every NTFS name: 1,500 files' index entries and records) goes straight from
 * its code units, ~4x faster than a TextDecoder call each; text with a surrogate or a leading
 * BOM, and the rest, through TextDecoder.
 */
export function decodeUtf16le(bytes: Uint8Array): string {
  if (LITTLE_ENDIAN && bytes.length <= SHORT_UTF16 && ((bytes.byteOffset | bytes.length) & 1) === 0) {
    const text = String.fromCharCode.apply(null, new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1) as unknown as number[]);
    if (!SURROGATE_OR_BOM.test(text)) return text;
  }
  return utf16Decoder.decode(bytes);
}

export function encodeUtf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[i * 2] = code & 0xff;
    out[i * 2 + 1] = code >> 8;
  }
  return out;
}
