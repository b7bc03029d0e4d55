/**
 * A growable output buffer that encodes text straight to bytes (UTF-16LE or UTF-8) as it is
 * written, so that a large export builds no big intermediate strings. Exports hand out
 * chunks of it as they fill.
 */
export type SinkEncoding = "utf16le" | "utf8";

const HEX_DIGITS = "0123456789abcdef";
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HI[i] = HEX_DIGITS.charCodeAt(i >> 4);
  HEX_LO[i] = HEX_DIGITS.charCodeAt(i & 15);
}

export class TextSink {
  readonly encoding: SinkEncoding;
  /** Bytes per ASCII character. */
  readonly unit: 1 | 2;
  private buf: Buffer;
  pos = 0;

  constructor(encoding: SinkEncoding, initialSize = 1 << 20) {
    this.encoding = encoding;
    this.unit = encoding === "utf16le" ? 2 : 1;
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Bytes as they are (a byte order mark). */
  raw(bytes: ArrayLike<number>): void {
    this.reserve(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.pos++] = bytes[i];
  }

  /** Any text (UTF-16 code units written as they are, so lone surrogates survive in UTF-16). */
  text(s: string): void {
    const n = s.length;
    if (this.unit === 2) {
      this.reserve(n * 2);
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        b[p++] = c & 0xff;
        b[p++] = c >> 8;
      }
      this.pos = p;
      return;
    }
    this.reserve(n * 3);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p + this.buf.write(s.slice(i), p, "utf8");
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /**
   * A REG_SZ's UTF-16LE bytes (terminator excluded) as a quoted, escaped string, when they
   * pass the lossless rule (see losslessString); returns false and writes nothing otherwise.
   * Only for UTF-16 output, where the bytes go across unchanged.
   */
  quotedUtf16(data: Uint8Array): boolean {
    const n = data.length;
    if (this.unit !== 2 || n < 2 || n % 2 !== 0 || data[n - 1] !== 0 || data[n - 2] !== 0) return false;
    const units = n / 2 - 1;
    let escapes = 0;
    for (let i = 0; i < units; i++) {
      const c = data[2 * i] | (data[2 * i + 1] << 8);
      if (c === 0 || c === 0x0d || c === 0x0a) return false;
      if (c === 0x5c || c === 0x22) escapes++;
      else if (c >= 0xd800 && c <= 0xdbff) {
        const next = i + 1 < units ? data[2 * i + 2] | (data[2 * i + 3] << 8) : 0;
        if (next < 0xdc00 || next > 0xdfff) return false;
        i++;
      } else if (c >= 0xdc00 && c <= 0xdfff) return false;
    }
    this.reserve((units + escapes + 2) * 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x22;
    b[p++] = 0;
    if (escapes === 0) {
      b.set(data.subarray(0, units * 2), p);
      p += units * 2;
    } else {
      for (let i = 0; i < units; i++) {
        const lo = data[2 * i];
        const hi = data[2 * i + 1];
        if (hi === 0 && (lo === 0x5c || lo === 0x22)) {
          b[p++] = 0x5c;
          b[p++] = 0;
        }
        b[p++] = lo;
        b[p++] = hi;
      }
    }
    b[p++] = 0x22;
    b[p++] = 0;
    this.pos = p;
    return true;
  }

  /** Text known to be ASCII (no encoding work). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n * this.unit);
    const b = this.buf;
    let p = this.pos;
    if (this.unit === 2) {
      for (let i = 0; i < n; i++) {
        b[p++] = s.charCodeAt(i);
        b[p++] = 0;
      }
    } else {
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    }
    this.pos = p;
  }

  /**
   * Bytes as regedit's comma-separated hex, breaking the line (`\`, CRLF, two spaces) after
   * a comma that brings it to `wrapAt` characters or more. Returns the final line length.
   */
  hexList(data: Uint8Array, lineLength: number, wrapAt: number): number {
    const n = data.length;
    // At most "xx," per byte plus "\\\r\n  " per 25 bytes (and per byte on a long first line).
    this.reserve((n * 8 + 16) * this.unit);
    const b = this.buf;
    const wide = this.unit === 2;
    let p = this.pos;
    let len = lineLength;
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (wide) {
        b[p] = HEX_HI[v];
        b[p + 1] = 0;
        b[p + 2] = HEX_LO[v];
        b[p + 3] = 0;
        p += 4;
      } else {
        b[p] = HEX_HI[v];
        b[p + 1] = HEX_LO[v];
        p += 2;
      }
      if (i === n - 1) {
        len += 2;
        break;
      }
      if (wide) {
        b[p] = 0x2c;
        b[p + 1] = 0;
        p += 2;
      } else b[p++] = 0x2c;
      len += 3;
      if (len >= wrapAt) {
        for (const c of [0x5c, 0x0d, 0x0a, 0x20, 0x20]) {
          b[p++] = c;
          if (wide) b[p++] = 0;
        }
        len = 2;
      }
    }
    this.pos = p;
    return len;
  }

  /** The bytes written so far, and start over in a fresh buffer (the chunk stays valid). */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    return out;
  }
}
