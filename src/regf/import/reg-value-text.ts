/**
 * One .reg value's text as regedit writes it: the name (`"name"` or `@`), and the data —
 * `"string"`, `dword:`, `hex:` and `hex(N):` byte lists (REGEDIT4's string types as ANSI) —
 * turned into a registry type and bytes. The line structure around it is reg-file.ts's.
 */
import { RegType } from "../value-types.js";

/**
 * parseHexBytesFast over the concatenation of text ranges: "01,ab, ff" items, spaces and tabs
 * around them, an optional trailing comma. Undefined for anything else.
 */
export function hexBytesInRanges(text: string, ranges: number[]): Uint8Array | undefined {
  // At most one byte per two characters ("1," or "12,"); trimmed to size at the end (one copy
  // costs less than counting the commas first).
  let chars = 0;
  for (let r = 0; r < ranges.length; r += 2) chars += ranges[r + 1] - ranges[r];
  const out = new Uint8Array((chars >> 1) + 1);
  let value = 0;
  // 0: before an item, 1: after its first digit, 2: after the item.
  let state = 0;
  let byte = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1];
    for (let i = ranges[r]; i < end; i++) {
      const ch = text.charCodeAt(i);
      const space = ch === 32 || ch === 9;
      if (state === 0) {
        if (space) continue;
        const digit = hexDigit(ch);
        if (digit < 0) return undefined;
        byte = digit;
        state = 1;
      } else if (state === 1) {
        const digit = hexDigit(ch);
        if (digit >= 0) {
          out[value++] = byte * 16 + digit;
          state = 2;
        } else if (space) {
          out[value++] = byte;
          state = 2;
        } else if (ch === 44) {
          out[value++] = byte;
          state = 0;
        } else return undefined;
      } else {
        if (space) continue;
        if (ch !== 44) return undefined;
        state = 0;
      }
    }
  }
  if (state === 1) out[value++] = byte;
  return value === out.length ? out : out.slice(0, value);
}

export type Fail = (code: string, message: string) => never;

export function parseValueName(text: string, fail: Fail): { name: string; rest: string } {
  if (text.startsWith("@")) {
    const after = text.slice(1).trimStart();
    if (!after.startsWith("=")) fail("bad-value-line", `expected "=" after "@"`);
    return { name: "", rest: after.slice(1) };
  }
  if (!text.startsWith('"')) fail("bad-value-line", `expected a [KEY], "name"=value or @=value line, found ${JSON.stringify(text.slice(0, 60))}`);
  const { value, end } = readQuoted(text, 0, fail);
  const after = text.slice(end).trimStart();
  if (!after.startsWith("=")) fail("bad-value-line", `expected "=" after the value name ${JSON.stringify(value)}`);
  return { name: value, rest: after.slice(1) };
}

/** Reads a "…" string starting at `start` (the opening quote); `\x` stands for x. */
export function readQuoted(text: string, start: number, fail: Fail): { value: string; end: number } {
  // Runs without a backslash are copied as one slice; the scan stops at the closing quote
  // (not at the end of a long line).
  let out = "";
  let from = start + 1;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c /* \ */ && i + 1 < text.length) {
      out += text.slice(from, i) + text[i + 1];
      i++;
      from = i + 1;
    } else if (code === 0x22 /* " */) {
      return { value: out + text.slice(from, i), end: i + 1 };
    }
  }
  return fail("unterminated-string", "string has no closing quote");
}

export function parseValueData(spec: string, version: 4 | 5, fail: Fail): { type: number; data: Uint8Array } {
  if (spec.startsWith('"')) {
    const { value, end } = readQuoted(spec, 0, fail);
    if (end < spec.length && spec.slice(end).trim() !== "") fail("bad-value-data", `unexpected text after the string: ${JSON.stringify(spec.slice(end, end + 40))}`);
    return { type: RegType.SZ, data: utf16z(value) };
  }
  // Only the prefix is lower-cased: the data after it can be megabytes of hex.
  const lower = spec.slice(0, 6).toLowerCase();
  if (lower === "dword:") {
    const digits = spec.slice(6).trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) fail("bad-dword", `dword needs 1 to 8 hex digits, found ${JSON.stringify(digits)}`);
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, parseInt(digits, 16), true);
    return { type: RegType.DWORD, data };
  }
  const hex = hexPrefix(spec);
  if (hex) {
    let data = parseHexBytes(spec, hex.dataStart, fail);
    // REGEDIT4 writes string types as single-byte ANSI; the hive stores UTF-16LE.
    if (version === 4 && (hex.type === RegType.SZ || hex.type === RegType.EXPAND_SZ || hex.type === RegType.MULTI_SZ)) data = ansiToUtf16(data);
    return { type: hex.type, data };
  }
  return fail("bad-value-data", `unknown value data ${JSON.stringify(spec.slice(0, 40))}: expected "string", dword:, hex:, hex(N): or -`);
}

/** `hex:` or `hex(N):` (N: 1 to 8 hex digits) at the start of `spec`: the type and where the bytes start. */
export function hexPrefix(spec: string): { type: number; dataStart: number } | undefined {
  if (!spec.startsWith("hex")) return undefined;
  if (spec[3] === ":") return { type: RegType.BINARY, dataStart: 4 };
  if (spec[3] !== "(") return undefined;
  const close = spec.indexOf(")", 4);
  if (close < 5 || close > 12 || spec[close + 1] !== ":") return undefined;
  const digits = spec.slice(4, close);
  if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) return undefined;
  return { type: parseInt(digits, 16), dataStart: close + 2 };
}

/** Value of a hex digit's char code, or -1. */
export function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The common well-formed case ("01,ab, ff") without temporary strings; undefined: take the careful path. */
export function parseHexBytesFast(list: string, start: number): Uint8Array | undefined {
  // At most one byte per two characters; trimmed to size at the end.
  const out = new Uint8Array(((list.length - start) >> 1) + 1);
  let value = 0;
  let index = start;
  const len = list.length;
  const isSpace = (code: number) => code === 32 || code === 9;
  while (index < len) {
    while (index < len && isSpace(list.charCodeAt(index))) index++;
    if (index === len) break;
    const d1 = hexDigit(list.charCodeAt(index));
    if (d1 < 0) return undefined;
    let byte = d1;
    index++;
    if (index < len) {
      const d2 = hexDigit(list.charCodeAt(index));
      if (d2 >= 0) {
        byte = byte * 16 + d2;
        index++;
      }
    }
    out[value++] = byte;
    while (index < len && isSpace(list.charCodeAt(index))) index++;
    if (index === len) break;
    if (list.charCodeAt(index) !== 44 /* , */) return undefined;
    index++;
  }
  return value === out.length ? out : out.slice(0, value);
}

export function parseHexBytes(spec: string, start: number, fail: Fail): Uint8Array {
  const fast = parseHexBytesFast(spec, start);
  if (fast) return fast;
  const trimmed = spec.slice(start).trim();
  if (trimmed === "") return new Uint8Array(0);
  const parts = trimmed.split(",");
  // regedit ends continued lines with ",\" so a trailing comma can remain.
  if (parts[parts.length - 1].trim() === "") parts.pop();
  const out = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i].trim();
    if (!/^[0-9a-fA-F]{1,2}$/.test(part)) fail("bad-hex", `"${part.slice(0, 10)}" is not a hex byte (item ${i + 1})`);
    out[i] = parseInt(part, 16);
  }
  return out;
}

export function utf16z(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[i * 2] = code & 0xff;
    out[i * 2 + 1] = code >> 8;
  }
  return out;
}

export function ansiToUtf16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) out[i * 2] = bytes[i];
  return out;
}
