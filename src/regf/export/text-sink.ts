/**
 * A growable output buffer that encodes text straight to bytes (UTF-16LE or UTF-8) as it is
 * written, so that a large export builds no big intermediate strings. Exports hand out
 * chunks of it as they fill.
 */
export type SinkEncoding = "utf16le" | "utf8";

const HEX_DIGITS = "0123456789abcdef";
const HEX_CHARS = Uint8Array.from(HEX_DIGITS, (unit) => unit.charCodeAt(0));
const DWORD_TAG = Uint8Array.from("dword:", (unit) => unit.charCodeAt(0));
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HI[i] = HEX_DIGITS.charCodeAt(i >> 4);
  HEX_LO[i] = HEX_DIGITS.charCodeAt(i & 15);
}

/**
 * Uint8Array's own subarray: Buffer overrides it with one that does more work per call, which
 * shows in an export (one per key line, one per long string).
 */
const plainSubarray = Uint8Array.prototype.subarray;

/** A buffer on its own ArrayBuffer: offset 0, so a Uint16Array view of it is aligned. */
function ownBuffer(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size));
}

export class TextSink {
  readonly encoding: SinkEncoding;
  /** Bytes per ASCII character. */
  readonly unit: 1 | 2;
  private buf: Buffer;
  /**
   * UTF-16 output as code units over the same memory: one store per character instead of two
   * (`pos` is always even in UTF-16). Empty for UTF-8.
   */
  private u16: Uint16Array;
  pos = 0;

  constructor(encoding: SinkEncoding, initialSize = 1 << 20) {
    this.encoding = encoding;
    this.unit = encoding === "utf16le" ? 2 : 1;
    this.buf = ownBuffer(initialSize + (initialSize & 1));
    this.u16 = this.view(this.buf);
  }

  private view(buf: Buffer): Uint16Array {
    return this.unit === 2 ? new Uint16Array(buf.buffer, buf.byteOffset, buf.length >>> 1) : new Uint16Array(0);
  }

  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const size = Math.max(this.buf.length * 2, this.pos + bytes);
    const next = ownBuffer(size + (size & 1));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.u16 = this.view(next);
  }

  /** Bytes as they are (a byte order mark). */
  raw(bytes: ArrayLike<number>): void {
    this.reserve(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.pos++] = bytes[i];
  }

  /** Any text (UTF-16 code units written as they are, so lone surrogates survive in UTF-16). */
  text(text: string): void {
    const count = text.length;
    if (this.unit === 2) {
      this.reserve(count * 2);
      const uint16Array = this.u16;
      const unitIndex = this.pos >>> 1;
      for (let i = 0; i < count; i++) uint16Array[unitIndex + i] = text.charCodeAt(i);
      this.pos += 2 * count;
      return;
    }
    this.reserve(count * 3);
    const buffer = this.buf;
    let pos = this.pos;
    for (let i = 0; i < count; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        this.pos = pos + this.buf.write(text.slice(i), pos, "utf8");
        return;
      }
      buffer[pos++] = code;
    }
    this.pos = pos;
  }

  /**
   * A REG_SZ's UTF-16LE bytes (terminator excluded) as a quoted, escaped string, when they
   * pass the lossless rule (see losslessString); returns false and writes nothing otherwise.
   * Only for UTF-16 output, where the bytes go across unchanged.
   */
  quotedUtf16(data: Uint8Array): boolean {
    return this.unit === 2 && this.quotedString(data, 0, data.length);
  }

  /**
   * The REG_SZ bytes `src[start, start + n)` as a quoted, escaped string in the sink's
   * encoding, when they pass the lossless rule (see losslessString); returns false and writes
   * nothing otherwise.
   */
  quotedString(src: Uint8Array, start: number, count: number): boolean {
    if (count < 2 || count % 2 !== 0 || src[start + count - 1] !== 0 || src[start + count - 2] !== 0) return false;
    const units = count / 2 - 1;
    let escapes = 0;
    let ascii = true;
    for (let i = 0; i < units; i++) {
      const unit = src[start + 2 * i] | (src[start + 2 * i + 1] << 8);
      if (unit === 0 || unit === 0x0d || unit === 0x0a) return false;
      if (unit === 0x5c || unit === 0x22) escapes++;
      else if (unit >= 0x80) {
        ascii = false;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const next = i + 1 < units ? src[start + 2 * i + 2] | (src[start + 2 * i + 3] << 8) : 0;
          if (next < 0xdc00 || next > 0xdfff) return false;
          i++;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
      }
    }
    if (this.unit === 1) {
      this.reserve(units * 3 + escapes + 2);
      const buffer = this.buf;
      let pos = this.pos;
      buffer[pos++] = 0x22;
      if (ascii) {
        for (let i = 0; i < units; i++) {
          const unit = src[start + 2 * i];
          if (unit === 0x5c || unit === 0x22) buffer[pos++] = 0x5c;
          buffer[pos++] = unit;
        }
      } else pos = this.utf8Units(src, start, units, true, pos);
      buffer[pos++] = 0x22;
      this.pos = pos;
      return true;
    }
    this.reserve((units + escapes + 2) * 2);
    const out = this.buf;
    let at = this.pos;
    out[at++] = 0x22;
    out[at++] = 0;
    if (escapes === 0) {
      if (units > 32) out.set(plainSubarray.call(src, start, start + units * 2), at);
      else for (let i = 0; i < units * 2; i++) out[at + i] = src[start + i];
      at += units * 2;
    } else {
      for (let i = 0; i < units; i++) {
        const lo = src[start + 2 * i];
        const hi = src[start + 2 * i + 1];
        if (hi === 0 && (lo === 0x5c || lo === 0x22)) {
          out[at++] = 0x5c;
          out[at++] = 0;
        }
        out[at++] = lo;
        out[at++] = hi;
      }
    }
    out[at++] = 0x22;
    out[at++] = 0;
    this.pos = at;
    return true;
  }

  /**
   * A name stored in a hive (Latin-1 when `compressed`, else UTF-16LE with an odd last byte
   * ignored) in the sink's encoding, each `\` and `"` preceded by `\` when `escape`; the
   * same bytes `text(name)` would write. Returns the UTF-16 length of what was written.
   */
  storedName(src: Uint8Array, start: number, byteLength: number, compressed: boolean, escape: boolean): number {
    const units = compressed ? byteLength : byteLength >>> 1;
    this.reserve(units * 4 + 4);
    let escapes = 0;
    if (this.unit === 2) {
      // UTF-16: one code unit per character, from one byte (Latin-1) or two.
      const uint16Array = this.u16;
      let unitIndex = this.pos >>> 1;
      for (let i = 0; i < units; i++) {
        const unit = compressed ? src[start + i] : src[start + 2 * i] | (src[start + 2 * i + 1] << 8);
        if (escape && (unit === 0x5c || unit === 0x22)) {
          escapes++;
          uint16Array[unitIndex++] = 0x5c;
        }
        uint16Array[unitIndex++] = unit;
      }
      this.pos = unitIndex << 1;
      return units + escapes;
    }
    const buffer = this.buf;
    let pos = this.pos;
    if (compressed) {
      for (let i = 0; i < units; i++) {
        const unit = src[start + i];
        if (escape && (unit === 0x5c || unit === 0x22)) {
          escapes++;
          buffer[pos++] = 0x5c;
        }
        if (unit < 0x80) buffer[pos++] = unit;
        else {
          buffer[pos++] = 0xc0 | (unit >> 6);
          buffer[pos++] = 0x80 | (unit & 0x3f);
        }
      }
    } else {
      if (escape) {
        for (let i = 0; i < units; i++) {
          if (src[start + 2 * i + 1] === 0 && (src[start + 2 * i] === 0x5c || src[start + 2 * i] === 0x22)) escapes++;
        }
      }
      pos = this.utf8Units(src, start, units, escape, pos);
    }
    this.pos = pos;
    return units + escapes;
  }

  /**
   * UTF-16LE units as UTF-8 at `p` (room reserved by the caller: 3 bytes per unit plus one per
   * escape), as Buffer's encoder does it: a lone surrogate becomes U+FFFD. Returns the new end.
   */
  private utf8Units(src: Uint8Array, start: number, units: number, escape: boolean, pos: number): number {
    const buffer = this.buf;
    for (let i = 0; i < units; i++) {
      const unit = src[start + 2 * i] | (src[start + 2 * i + 1] << 8);
      if (unit < 0x80) {
        if (escape && (unit === 0x5c || unit === 0x22)) buffer[pos++] = 0x5c;
        buffer[pos++] = unit;
      } else if (unit < 0x800) {
        buffer[pos++] = 0xc0 | (unit >> 6);
        buffer[pos++] = 0x80 | (unit & 0x3f);
      } else if (unit >= 0xd800 && unit <= 0xdfff) {
        const next = i + 1 < units ? src[start + 2 * i + 2] | (src[start + 2 * i + 3] << 8) : 0;
        if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
          buffer[pos++] = 0xf0 | (cp >> 18);
          buffer[pos++] = 0x80 | ((cp >> 12) & 0x3f);
          buffer[pos++] = 0x80 | ((cp >> 6) & 0x3f);
          buffer[pos++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          buffer[pos++] = 0xef;
          buffer[pos++] = 0xbf;
          buffer[pos++] = 0xbd;
        }
      } else {
        buffer[pos++] = 0xe0 | (unit >> 12);
        buffer[pos++] = 0x80 | ((unit >> 6) & 0x3f);
        buffer[pos++] = 0x80 | (unit & 0x3f);
      }
    }
    return pos;
  }

  /** Bytes [start, end) of another sink's output (a key path built once, written per line). */
  copyFrom(other: TextSink, start: number, end: number): void {
    this.reserve(end - start);
    // set(subarray) is the cheapest copy of a short run before the JIT has warmed up.
    this.buf.set(plainSubarray.call(other.buf, start, end), this.pos);
    this.pos += end - start;
  }

  /** `dword:xxxxxxxx` and CRLF, for the 32 bits of `n` (signed or not). */
  dwordLine(count: number): void {
    this.reserve(16 * this.unit);
    if (this.unit === 2) {
      const uint16Array = this.u16;
      let unitIndex = this.pos >>> 1;
      for (let i = 0; i < DWORD_TAG.length; i++) uint16Array[unitIndex++] = DWORD_TAG[i];
      for (let shift = 28; shift >= 0; shift -= 4) uint16Array[unitIndex++] = HEX_CHARS[(count >>> shift) & 15];
      uint16Array[unitIndex++] = 0x0d;
      uint16Array[unitIndex++] = 0x0a;
      this.pos = unitIndex << 1;
      return;
    }
    const buffer = this.buf;
    let pos = this.pos;
    for (let i = 0; i < DWORD_TAG.length; i++) buffer[pos++] = DWORD_TAG[i];
    for (let shift = 28; shift >= 0; shift -= 4) buffer[pos++] = HEX_CHARS[(count >>> shift) & 15];
    buffer[pos++] = 0x0d;
    buffer[pos++] = 0x0a;
    this.pos = pos;
  }

  /** CRLF. */
  crlf(): void {
    this.reserve(4);
    const buffer = this.buf;
    if (this.unit === 2) {
      const unitIndex = this.pos >>> 1;
      this.u16[unitIndex] = 0x0d;
      this.u16[unitIndex + 1] = 0x0a;
      this.pos += 4;
    } else {
      buffer[this.pos] = 0x0d;
      buffer[this.pos + 1] = 0x0a;
      this.pos += 2;
    }
  }

  /** Text known to be ASCII (no encoding work). */
  ascii(text: string): void {
    const count = text.length;
    this.reserve(count * this.unit);
    if (this.unit === 2) {
      const uint16Array = this.u16;
      const unitIndex = this.pos >>> 1;
      for (let i = 0; i < count; i++) uint16Array[unitIndex + i] = text.charCodeAt(i);
      this.pos += 2 * count;
      return;
    }
    const buffer = this.buf;
    let pos = this.pos;
    for (let i = 0; i < count; i++) buffer[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /**
   * Bytes as regedit's comma-separated hex, breaking the line (`\`, CRLF, two spaces) after
   * a comma that brings it to `wrapAt` characters or more. Returns the final line length.
   */
  hexList(data: Uint8Array, lineLength: number, wrapAt: number): number {
    return this.hexRange(data, 0, data.length, lineLength, wrapAt);
  }

  /** `hexList` of `src[start, start + n)`. */
  hexRange(src: Uint8Array, start: number, count: number, lineLength: number, wrapAt: number): number {
    // At most "xx," per byte plus "\\\r\n  " per 25 bytes (and per byte on a long first line).
    this.reserve((count * 8 + 16) * this.unit);
    let len = lineLength;
    if (this.unit === 2) {
      const uint16Array = this.u16;
      let unitIndex = this.pos >>> 1;
      for (let i = 0; i < count; i++) {
        const byte = src[start + i];
        uint16Array[unitIndex] = HEX_HI[byte];
        uint16Array[unitIndex + 1] = HEX_LO[byte];
        unitIndex += 2;
        if (i === count - 1) {
          len += 2;
          break;
        }
        uint16Array[unitIndex++] = 0x2c;
        len += 3;
        if (len >= wrapAt) {
          // backslash, CR, LF and two spaces
          uint16Array[unitIndex] = 0x5c;
          uint16Array[unitIndex + 1] = 0x0d;
          uint16Array[unitIndex + 2] = 0x0a;
          uint16Array[unitIndex + 3] = 0x20;
          uint16Array[unitIndex + 4] = 0x20;
          unitIndex += 5;
          len = 2;
        }
      }
      this.pos = unitIndex << 1;
      return len;
    }
    const buffer = this.buf;
    let pos = this.pos;
    for (let i = 0; i < count; i++) {
      const byte = src[start + i];
      buffer[pos] = HEX_HI[byte];
      buffer[pos + 1] = HEX_LO[byte];
      pos += 2;
      if (i === count - 1) {
        len += 2;
        break;
      }
      buffer[pos++] = 0x2c;
      len += 3;
      if (len >= wrapAt) {
        buffer[pos] = 0x5c;
        buffer[pos + 1] = 0x0d;
        buffer[pos + 2] = 0x0a;
        buffer[pos + 3] = 0x20;
        buffer[pos + 4] = 0x20;
        pos += 5;
        len = 2;
      }
    }
    this.pos = pos;
    return len;
  }

  /** The bytes written so far, and start over in a fresh buffer (the chunk stays valid). */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = ownBuffer(this.buf.length);
    this.u16 = this.view(this.buf);
    this.pos = 0;
    return out;
  }

  /**
   * The bytes written so far, and start over in the same buffer: the chunk is valid only
   * until the next write (for a consumer that writes it out at once).
   */
  flushView(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }
}
