/**
 * Parser for regedit's .reg text format (REGEDIT4 and "Windows Registry Editor Version 5.00").
 * It turns a file into a list of operations; applying them to a hive is the writer's job.
 *
 * Accepted: UTF-16LE with BOM, UTF-8 with or without BOM, or ANSI (decoded as Windows-1252's
 * Latin-1 subset); CRLF or LF; `;` comment lines; `\` line continuations; `[KEY]`, `[-KEY]`;
 * `"name"=…` and `@=…`; values `"string"`, `dword:`, `hex:`, `hex(N):`, and `-` (delete).
 */
import { RegFileError } from "../../errors.js";
import { decodeLatin1 } from "../../util/byte-reader.js";

export type RegFileOp =
  | { kind: "key"; path: string; line: number }
  | { kind: "delete-key"; path: string; line: number }
  | { kind: "value"; keyPath: string; name: string; type: number; data: Uint8Array; line: number }
  | { kind: "delete-value"; keyPath: string; name: string; line: number };

export interface RegFile {
  version: 4 | 5;
  ops: RegFileOp[];
}

const HEADER_V5 = "Windows Registry Editor Version 5.00";
const HEADER_V4 = "REGEDIT4";

const REG_SZ = 1;
const REG_EXPAND_SZ = 2;
const REG_BINARY = 3;
const REG_DWORD = 4;
const REG_MULTI_SZ = 7;

/** Decodes the file's bytes by its BOM (UTF-16LE, UTF-8), else UTF-8 if valid, else Latin-1. */
export function decodeRegFileBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder("utf-8").decode(bytes.subarray(3));
  // UTF-16LE without BOM: every other byte zero at the start ("W\0i\0" or "R\0E\0").
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0) return new TextDecoder("utf-16le").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return decodeLatin1(bytes);
  }
}

interface LogicalLine {
  text: string;
  /** Line number where the logical line starts. */
  line: number;
}

/** Joins `\`-continued physical lines into logical lines, dropping blanks. */
function logicalLines(text: string): LogicalLine[] {
  const physical = text.split(/\r\n|\n|\r/);
  const out: LogicalLine[] = [];
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let current = physical[i];
    // A value line continues while it ends with a backslash; key lines never continue.
    // The pieces are joined once at the end: appending line by line is quadratic for big values.
    if (current.endsWith("\\") && !current.trimStart().startsWith("[") && i + 1 < physical.length) {
      const pieces: string[] = [];
      while (current.endsWith("\\") && i + 1 < physical.length) {
        pieces.push(current.slice(0, -1));
        i++;
        current = physical[i].trimStart();
      }
      pieces.push(current);
      current = pieces.join("");
    }
    out.push({ text: current, line: start + 1 });
  }
  return out;
}

export function parseRegFile(input: string | Uint8Array, source = "input"): RegFile {
  const text = typeof input === "string" ? input.replace(/^\uFEFF/, "") : decodeRegFileBytes(input);
  const lines = logicalLines(text);
  let index = 0;
  while (index < lines.length && lines[index].text.trim() === "") index++;
  const header = index < lines.length ? lines[index].text.trim() : "";
  let version: 4 | 5;
  if (header === HEADER_V5) version = 5;
  else if (header === HEADER_V4) version = 4;
  else {
    throw new RegFileError(
      "bad-reg-header",
      `not a .reg file: the first line must be "${HEADER_V5}" or "${HEADER_V4}", found ${JSON.stringify(header.slice(0, 60))}`,
      { path: source, line: index < lines.length ? lines[index].line : 1 },
    );
  }
  const ops: RegFileOp[] = [];
  let currentKey: string | undefined;
  for (index++; index < lines.length; index++) {
    const { text: raw, line } = lines[index];
    const text = raw.trim();
    if (text === "" || text.startsWith(";")) continue;
    const fail = (code: string, message: string): never => {
      throw new RegFileError(code, message, { path: source, line });
    };
    if (text.startsWith("[")) {
      const close = text.lastIndexOf("]");
      if (close < 0) fail("bad-key-line", `key line has no closing "]": ${text.slice(0, 80)}`);
      let path = text.slice(1, close);
      const deleting = path.startsWith("-");
      if (deleting) path = path.slice(1);
      path = path.replace(/\\+$/, "");
      if (path === "") fail("bad-key-line", "empty key path");
      if (deleting) {
        ops.push({ kind: "delete-key", path, line });
        currentKey = undefined;
      } else {
        ops.push({ kind: "key", path, line });
        currentKey = path;
      }
      continue;
    }
    const { name, rest } = parseValueName(text, fail);
    if (currentKey === undefined) fail("value-outside-key", "value line before any [KEY] line (or after a [-KEY] deletion)");
    const keyPath = currentKey as string;
    const spec = rest.trim();
    if (spec === "-") {
      ops.push({ kind: "delete-value", keyPath, name, line });
      continue;
    }
    const { type, data } = parseValueData(spec, version, fail);
    ops.push({ kind: "value", keyPath, name, type, data, line });
  }
  return { version, ops };
}

type Fail = (code: string, message: string) => never;

function parseValueName(text: string, fail: Fail): { name: string; rest: string } {
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
function readQuoted(text: string, start: number, fail: Fail): { value: string; end: number } {
  let out = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      out += text[++i];
    } else if (c === '"') {
      return { value: out, end: i + 1 };
    } else {
      out += c;
    }
  }
  return fail("unterminated-string", "string has no closing quote");
}

function parseValueData(spec: string, version: 4 | 5, fail: Fail): { type: number; data: Uint8Array } {
  if (spec.startsWith('"')) {
    const { value, end } = readQuoted(spec, 0, fail);
    if (spec.slice(end).trim() !== "") fail("bad-value-data", `unexpected text after the string: ${JSON.stringify(spec.slice(end, end + 40))}`);
    return { type: REG_SZ, data: utf16z(value) };
  }
  const lower = spec.toLowerCase();
  if (lower.startsWith("dword:")) {
    const digits = spec.slice(6).trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) fail("bad-dword", `dword needs 1 to 8 hex digits, found ${JSON.stringify(digits)}`);
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, parseInt(digits, 16), true);
    return { type: REG_DWORD, data };
  }
  const hex = /^hex(?:\(([0-9a-fA-F]{1,8})\))?:(.*)$/s.exec(spec);
  if (hex) {
    const type = hex[1] === undefined ? REG_BINARY : parseInt(hex[1], 16);
    let data = parseHexBytes(hex[2], fail);
    // REGEDIT4 writes string types as single-byte ANSI; the hive stores UTF-16LE.
    if (version === 4 && (type === REG_SZ || type === REG_EXPAND_SZ || type === REG_MULTI_SZ)) data = ansiToUtf16(data);
    return { type, data };
  }
  return fail("bad-value-data", `unknown value data ${JSON.stringify(spec.slice(0, 40))}: expected "string", dword:, hex:, hex(N): or -`);
}

/** Value of a hex digit's char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The common well-formed case ("01,ab, ff") without temporary strings; undefined: take the careful path. */
function parseHexBytesFast(list: string): Uint8Array | undefined {
  let items = 1;
  for (let k = list.indexOf(","); k >= 0; k = list.indexOf(",", k + 1)) items++;
  const out = new Uint8Array(items);
  let n = 0;
  let i = 0;
  const len = list.length;
  const isSpace = (c: number) => c === 32 || c === 9;
  while (i < len) {
    while (i < len && isSpace(list.charCodeAt(i))) i++;
    if (i === len) break;
    const d1 = hexDigit(list.charCodeAt(i));
    if (d1 < 0) return undefined;
    let v = d1;
    i++;
    if (i < len) {
      const d2 = hexDigit(list.charCodeAt(i));
      if (d2 >= 0) {
        v = v * 16 + d2;
        i++;
      }
    }
    out[n++] = v;
    while (i < len && isSpace(list.charCodeAt(i))) i++;
    if (i === len) break;
    if (list.charCodeAt(i) !== 44 /* , */) return undefined;
    i++;
  }
  return n === out.length ? out : out.subarray(0, n);
}

function parseHexBytes(list: string, fail: Fail): Uint8Array {
  const fast = parseHexBytesFast(list);
  if (fast) return fast;
  const trimmed = list.trim();
  if (trimmed === "") return new Uint8Array(0);
  const parts = trimmed.split(",");
  // regedit ends continued lines with ",\" so a trailing comma can remain.
  if (parts[parts.length - 1].trim() === "") parts.pop();
  const out = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].trim();
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) fail("bad-hex", `"${p.slice(0, 10)}" is not a hex byte (item ${i + 1})`);
    out[i] = parseInt(p, 16);
  }
  return out;
}

function utf16z(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

function ansiToUtf16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) out[i * 2] = bytes[i];
  return out;
}
