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
import { RegfError } from "../../errors.js";
import { HBINS_START } from "../base-block.js";
import { CELL_SIZE_FIELD, type CellSpace } from "../cells/cell.js";
import { KeyFlags, NK } from "../cells/nk.js";
import { valueListPosition } from "../cells/value-list.js";
import { ValueFlags, VK, vkPosition } from "../cells/vk.js";
import type { RegKey } from "../key.js";
import { locateValueData, type DataSpan, type RegValue } from "../value.js";
import { REG_HEADER_V5 } from "../import/reg-header.js";
import { RegType } from "../value-types.js";
import { CellBitmap, KeyCellWalk } from "../walk.js";
import { TextSink, type SinkEncoding } from "./text-sink.js";

const CRLF = "\r\n";
/** regedit breaks a hex line once it has reached this many characters. */
export const HEX_WRAP_COLUMN = 77;

export interface RegExportOptions {
  /** Written before each key path, e.g. "HKEY_LOCAL_MACHINE\\SYSTEM"; the start key maps to it plus its path. */
  prefix?: string;
  /** Bytes per chunk handed out (a key block is never split). */
  chunkSize?: number;
  /**
   * Hand out views of one reused buffer (each valid until the generator resumes) instead of a
   * fresh buffer per chunk: for a consumer that writes each chunk out before asking for the next.
   */
  reuseBuffer?: boolean;
}

export interface RegExportBytesOptions extends RegExportOptions {
  /** "utf16le" (regedit's own, with a BOM; the default) or "utf8" (no BOM). */
  encoding?: SinkEncoding;
}

const HEX = Array.from({ length: 256 }, (_, index) => index.toString(16).padStart(2, "0"));

export function escapeRegString(text: string): string {
  if (text.indexOf("\\") < 0 && text.indexOf('"') < 0) return text;
  return text.replace(/[\\"]/g, (unit) => "\\" + unit);
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
  const length = data.length;
  if (length < 2 || length % 2 !== 0 || data[length - 1] !== 0 || data[length - 2] !== 0) return undefined;
  const units = length / 2 - 1;
  const codes = new Array<number>(units);
  for (let i = 0; i < units; i++) {
    const unit = data[2 * i] | (data[2 * i + 1] << 8);
    if (unit === 0 || unit === 0x0d || unit === 0x0a) return undefined;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < units ? data[2 * i + 2] | (data[2 * i + 3] << 8) : 0;
      if (next < 0xdc00 || next > 0xdfff) return undefined;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      const prev = i > 0 ? codes[i - 1] : 0;
      if (prev < 0xd800 || prev > 0xdbff) return undefined;
    }
    codes[i] = unit;
  }
  let text = "";
  for (let i = 0; i < units; i += 8192) text += String.fromCharCode(...codes.slice(i, i + 8192));
  return text;
}

const HEX_TAGS = Array.from({ length: 16 }, (_, type) => (type === RegType.BINARY ? "hex:" : `hex(${type.toString(16)}):`));

/** `hex:` or `hex(N):` for a type number, read as unsigned or signed 32-bit. */
function hexTag(type: number): string {
  return type >= 0 && type < HEX_TAGS.length ? HEX_TAGS[type] : `hex(${(type >>> 0).toString(16)}):`;
}

/** `hex:` / `hex(N):` data with regedit's wrapping; `lineLength` is what precedes it on the line. */
export function formatHex(type: number, data: Uint8Array, lineLength: number): string {
  const sink = new TextSink("utf8", 64);
  const tag = hexTag(type);
  sink.ascii(tag);
  sink.hexList(data, lineLength + tag.length, HEX_WRAP_COLUMN);
  return Buffer.from(sink.take()).toString("latin1");
}

/** Writes one value line (with its CRLF). */
export function writeRegValue(sink: TextSink, value: RegValue): void {
  const head = value.name === "" ? "@=" : `"${escapeRegString(value.name)}"=`;
  sink.text(head);
  const data = value.dataView();
  if (value.type === RegType.SZ) {
    if (sink.quotedUtf16(data)) {
      sink.ascii(CRLF);
      return;
    }
    const text = sink.unit === 2 ? undefined : losslessString(data);
    if (text !== undefined) {
      sink.text(`"${escapeRegString(text)}"\r\n`);
      return;
    }
  } else if (value.type === RegType.DWORD && data.length === 4) {
    const length = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0;
    sink.ascii(`dword:${HEX[length >>> 24]}${HEX[(length >>> 16) & 0xff]}${HEX[(length >>> 8) & 0xff]}${HEX[length & 0xff]}\r\n`);
    return;
  }
  const tag = hexTag(value.type);
  sink.ascii(tag);
  sink.hexList(data, head.length + tag.length, HEX_WRAP_COLUMN);
  sink.ascii(CRLF);
}

/** One value line (without CRLF) as a string. */
export function formatRegValue(value: RegValue): string {
  const sink = new TextSink("utf8", 256);
  writeRegValue(sink, value);
  return Buffer.from(sink.take()).toString("utf8").slice(0, -2);
}

/**
 * The export as encoded chunks: what a .reg file holds, byte for byte. Walks cell offsets
 * (KeyCellWalk) and encodes names and data straight from the hive bytes: the same output and
 * the same errors as writing each RegKey and RegValue, without an object per key or value.
 */
export function* regExportBytes(start: RegKey, options: RegExportBytesOptions = {}): Generator<Uint8Array> {
  const prefix = options.prefix ?? "";
  const chunkSize = options.chunkSize ?? 1 << 18;
  const reuse = options.reuseBuffer === true;
  const encoding = options.encoding ?? "utf16le";
  const sink = new TextSink(encoding, chunkSize + (chunkSize >> 2));
  if (encoding === "utf16le") sink.raw([0xff, 0xfe]);
  sink.ascii(REG_HEADER_V5 + CRLF + CRLF);
  const walk = new KeyCellWalk(start);
  const space = walk.space;
  const bytes = space.bytes;
  // "[" and the encoded prefix, then the current key's path, level by level: each key line
  // is one copy. As regKeyPath and RegKey.at: the prefix and the path are joined by "\\"
  // unless one is empty, and a child of an empty path is its bare name.
  const line = new TextSink(encoding, 1024);
  line.ascii("[");
  line.text(prefix);
  const pathStart = line.pos;
  if (start.path !== "") {
    if (prefix !== "") line.ascii("\\");
    line.text(start.path);
  }
  const lineEnds: number[] = [line.pos];
  const seenValues = new CellBitmap(space.dataSize);
  const span: DataSpan = { bytes, start: 0, length: 0 };
  while (walk.next()) {
    const pos = walk.pos;
    const depth = walk.depth;
    if (depth > 0) {
      const parentEnd = lineEnds[depth - 1];
      line.pos = parentEnd;
      const parentPathEmpty = parentEnd === pathStart;
      if (!parentPathEmpty || prefix !== "") line.ascii("\\");
      const nameLength = bytes[pos + NK.nameLength] | (bytes[pos + NK.nameLength + 1] << 8);
      const units = line.storedName(bytes, pos + NK.name, nameLength, (bytes[pos + NK.flags] & KeyFlags.COMP_NAME) !== 0, false);
      // An empty name under an empty path leaves the path empty: no separator after the prefix.
      if (parentPathEmpty && units === 0) line.pos = pathStart;
      lineEnds[depth] = line.pos;
    }
    sink.copyFrom(line, 0, lineEnds[depth]);
    sink.ascii("]\r\n");
    const valueCount = space.u32(pos + NK.valueCount);
    if (valueCount > 0) writeKeyValues(sink, walk, valueCount, seenValues, span);
    sink.crlf();
    if (sink.pos >= chunkSize) yield reuse ? sink.flushView() : sink.take();
  }
  if (sink.pos > 0) yield reuse ? sink.flushView() : sink.take();
}

/** The current key's values, with checkedValues' checks in its order: every vk, then repeats, then the data. */
function writeKeyValues(sink: TextSink, walk: KeyCellWalk, count: number, seen: CellBitmap, span: DataSpan): void {
  const space = walk.space;
  const list = valueListPosition(space, space.u32(walk.pos + NK.valueList), count);
  if (list < 0) return;
  for (let i = 0; i < count; i++) vkPosition(space, space.u32(list + 4 * i));
  for (let i = 0; i < count; i++) {
    const offset = space.u32(list + 4 * i);
    if (!seen.mark(offset)) {
      throw new RegfError("value-reached-twice", `value cell 0x${offset.toString(16)} is listed twice`, {
        offset: HBINS_START + offset,
        path: walk.path(),
      });
    }
  }
  // Checked above: a valid vk cell, so its signature follows the size field.
  for (let i = 0; i < count; i++) writeStoredValue(sink, space, HBINS_START + CELL_SIZE_FIELD + space.u32(list + 4 * i), span);
}

/** writeRegValue for the value whose vk signature is at `vkPos`, read straight from the bytes. */
function writeStoredValue(sink: TextSink, space: CellSpace, vkPos: number, span: DataSpan): void {
  const bytes = space.bytes;
  const nameLength = bytes[vkPos + VK.nameLength] | (bytes[vkPos + VK.nameLength + 1] << 8);
  const compressed = (bytes[vkPos + VK.flags] & ValueFlags.COMP_NAME) !== 0;
  let head: number;
  if ((compressed ? nameLength : nameLength >>> 1) === 0) {
    sink.ascii("@=");
    head = 2;
  } else {
    sink.ascii('"');
    head = 3 + sink.storedName(bytes, vkPos + VK.name, nameLength, compressed, true);
    sink.ascii('"=');
  }
  // As a signed 32-bit integer (see hexTag): types with the top bit set stay small integers for the JIT.
  const type = bytes[vkPos + VK.type] | (bytes[vkPos + VK.type + 1] << 8) | (bytes[vkPos + VK.type + 2] << 16) | (bytes[vkPos + VK.type + 3] << 24);
  const { bytes: data, start, length } = locateValueData(space, vkPos, span);
  if (type === RegType.SZ) {
    if (sink.quotedString(data, start, length)) {
      sink.crlf();
      return;
    }
  } else if (type === RegType.DWORD && length === 4) {
    // Kept as a signed 32-bit integer: a small integer for the JIT whatever the top bit.
    sink.dwordLine(data[start] | (data[start + 1] << 8) | (data[start + 2] << 16) | (data[start + 3] << 24));
    return;
  }
  const tag = hexTag(type);
  sink.ascii(tag);
  sink.hexRange(data, start, length, head + tag.length, HEX_WRAP_COLUMN);
  sink.crlf();
}

/** The export as text chunks (each a whole number of key blocks). */
export function* regExportChunks(start: RegKey, options: RegExportOptions = {}): Generator<string> {
  for (const chunk of regExportBytes(start, { ...options, encoding: "utf8" })) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString("utf8");
}

/** The whole export as one string. */
export function exportReg(start: RegKey, options: RegExportOptions = {}): string {
  return [...regExportChunks(start, options)].join("");
}
