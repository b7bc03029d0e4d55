/**
 * `.reg` export in regedit's format ("Windows Registry Editor Version 5.00"): one
 * `[PREFIX\path]` block per key in stored order, CRLF line ends, `"name"="text"` (with `\` and
 * `"` escaped) only for REG_SZ, `dword:xxxxxxxx`, `hex:` / `hex(N):` (N in lower-case hex) for
 * everything else, wrapped as regedit wraps (a line is broken after the comma that takes it
 * to 77 characters or more, continued with two spaces).
 *
 * Lossless: a REG_SZ whose bytes would not come back identical from the quoted form (no
 * terminator, odd length, embedded NUL, bytes after the terminator, a lone surrogate, a CR or
 * LF that regedit cannot re-read) goes out as hex(1):, and a REG_DWORD that is not 4 bytes as
 * hex(4):, so importing the file gives back the same bytes.
 */
import type { RegKey } from "../key.js";
import type { RegValue } from "../value.js";
import { RegType } from "../value-types.js";
import { checkedValues, iterateKeys } from "../walk.js";

export const REG_HEADER = "Windows Registry Editor Version 5.00";
const CRLF = "\r\n";
/** regedit breaks a hex line once it has reached this many characters. */
export const HEX_WRAP_COLUMN = 77;

export interface RegExportOptions {
  /** Written before each key path, e.g. "HKEY_LOCAL_MACHINE\SYSTEM"; the start key maps to it plus its path. */
  prefix?: string;
  /** Chunk size hint for regExportChunks, in characters. */
  chunkSize?: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function escapeRegString(text: string): string {
  return text.replace(/[\\"]/g, (c) => "\\" + c);
}

/** The `[...]` line text for a key. */
export function regKeyPath(key: RegKey, prefix: string): string {
  if (prefix === "") return key.path;
  return key.path === "" ? prefix : `${prefix}\\${key.path}`;
}

/**
 * The text of a REG_SZ if it survives a round trip through regedit's quoted form: even length,
 * exactly one NUL at the very end, valid UTF-16, no CR/LF. Otherwise undefined.
 */
export function losslessString(data: Uint8Array): string | undefined {
  const n = data.length;
  if (n < 2 || n % 2 !== 0 || data[n - 1] !== 0 || data[n - 2] !== 0) return undefined;
  const units = n / 2 - 1;
  const codes = new Array<number>(units);
  for (let i = 0; i < units; i++) {
    const c = data[2 * i] | (data[2 * i + 1] << 8);
    if (c === 0 || c === 0x0d || c === 0x0a) return undefined;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < units ? data[2 * i + 2] | (data[2 * i + 3] << 8) : 0;
      if (next < 0xdc00 || next > 0xdfff) return undefined;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      const prev = i > 0 ? codes[i - 1] : 0;
      if (prev < 0xd800 || prev > 0xdbff) return undefined;
    }
    codes[i] = c;
  }
  let s = "";
  for (let i = 0; i < units; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
}

/** `hex:` / `hex(N):` data with regedit's wrapping; `lineLength` is what precedes it on the line. */
export function formatHex(type: number, data: Uint8Array, lineLength: number): string {
  const tag = type === RegType.BINARY ? "hex:" : `hex(${(type >>> 0).toString(16)}):`;
  let len = lineLength + tag.length;
  const parts: string[] = [tag];
  const last = data.length - 1;
  for (let i = 0; i < data.length; i++) {
    parts.push(HEX[data[i]]);
    if (i === last) break;
    parts.push(",");
    len += 3;
    if (len >= HEX_WRAP_COLUMN) {
      parts.push("\\\r\n  ");
      len = 2;
    }
  }
  return parts.join("");
}

/** One value line (without CRLF). */
export function formatRegValue(value: RegValue): string {
  const head = value.name === "" ? "@=" : `"${escapeRegString(value.name)}"=`;
  const data = value.data();
  if (value.type === RegType.SZ) {
    const text = losslessString(data);
    if (text !== undefined) return `${head}"${escapeRegString(text)}"`;
  } else if (value.type === RegType.DWORD && data.length === 4) {
    const n = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0;
    return `${head}dword:${n.toString(16).padStart(8, "0")}`;
  }
  return head + formatHex(value.type, data, head.length);
}

function formatKeyBlock(key: RegKey, prefix: string, seenValues: Set<number>): string {
  let out = `[${regKeyPath(key, prefix)}]${CRLF}`;
  for (const v of checkedValues(key, seenValues)) out += formatRegValue(v) + CRLF;
  return out + CRLF;
}

/** The export as text chunks (so a 100 MB export never sits in memory as one string). */
export function* regExportChunks(start: RegKey, options: RegExportOptions = {}): Generator<string> {
  const prefix = options.prefix ?? "";
  const chunkSize = options.chunkSize ?? 1 << 20;
  let buf = REG_HEADER + CRLF + CRLF;
  const seenValues = new Set<number>();
  for (const { key } of iterateKeys(start)) {
    buf += formatKeyBlock(key, prefix, seenValues);
    if (buf.length >= chunkSize) {
      yield buf;
      buf = "";
    }
  }
  if (buf.length > 0) yield buf;
}

/** The whole export as one string. */
export function exportReg(start: RegKey, options: RegExportOptions = {}): string {
  return [...regExportChunks(start, options)].join("");
}
