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
import { REG_HEADER_V4, REG_HEADER_V5 } from "./reg-header.js";
import { RegType } from "../value-types.js";
import { ansiToUtf16, hexBytesInRanges, hexPrefix, parseValueData, parseValueName, type Fail } from "./reg-value-text.js";

export type RegFileOp =
  | { kind: "key"; path: string; line: number }
  | { kind: "delete-key"; path: string; line: number }
  | { kind: "value"; keyPath: string; name: string; type: number; data: Uint8Array; line: number }
  | { kind: "delete-value"; keyPath: string; name: string; line: number };

export interface RegFile {
  version: 4 | 5;
  ops: RegFileOp[];
}

/** A .reg file read as it goes: the header is checked at once, operations come one at a time. */
export interface RegFileStream {
  version: 4 | 5;
  /** Length of the decoded text (a size hint for the writer). */
  characters: number;
  ops: Iterable<RegFileOp>;
}

/**
 * Longest logical line (a value with its continuation lines) accepted, in characters: 64 Mi
 * characters is ~21 MB of hex data, 128 MB of RegType.SZ. Longer lines are refused before they are
 * copied or decoded, so a hostile one-line value costs the file's text and nothing more.
 */
export const MAX_REG_LINE = 64 * 1024 * 1024;

/**
 * Largest value data regf can hold: a big-data record lists at most 65535 segments of 16344
 * bytes (regf spec, "db" record); hives older than 1.4 hold one cell, the same bound is used.
 */
export const MAX_VALUE_DATA = 65535 * 16344;

/**
 * UTF-16LE text as TextDecoder gives it (lone surrogates and an odd last byte become U+FFFD).
 * Node's own UTF-16 conversion is about twice as fast and gives the same string when the
 * length is even and no surrogate occurs: that is checked, TextDecoder does the rest.
 */
function decodeUtf16le(bytes: Uint8Array): string {
  if (bytes.length % 2 === 0) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf16le");
    if (!/[\uD800-\uDFFF]/.test(text)) return text;
  }
  return new TextDecoder("utf-16le").decode(bytes);
}

/** Decodes the file's bytes by its BOM (UTF-16LE, UTF-8), else UTF-8 if valid, else Latin-1. */
export function decodeRegFileBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16le(bytes.subarray(2));
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder("utf-8").decode(bytes.subarray(3));
  // UTF-16LE without BOM: every other byte zero at the start ("W\0i\0" or "R\0E\0").
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0) return decodeUtf16le(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return decodeLatin1(bytes);
  }
}

/**
 * Reads logical lines: physical lines (ended by CRLF, LF or CR) with `\`-continued value
 * lines joined, each continuation line without its leading whitespace. It works on indexes
 * into the text, so that a long continued hex value can be parsed where it lies instead of
 * being copied into one joined string first.
 */
class LogicalLineReader {
  /** Start of the next physical line; past the end when there is none. */
  private pos = 0;
  private physicalLine = 0;
  private nextLf = -1;
  private nextCr = -1;
  /** Line number where the current logical line starts. */
  line = 0;
  /** The current logical line's first physical line: [start, end) in the text. */
  start = 0;
  end = 0;
  /** Continuation lines of the current logical line, as [start, end) pairs (raw, break excluded). */
  readonly continuations: number[] = [];

  constructor(
    private readonly text: string,
    /** Physical lines before this text (when a file is read in windows). */
    private readonly lineOffset = 0,
  ) {
    this.nextLf = text.indexOf("\n");
    this.nextCr = text.indexOf("\r");
  }

  /** Reads the next physical line into [lineStart, lineEnd); false at the end of the text. */
  private lineStart = 0;
  private lineEnd = 0;
  /** Whether the physical line just read was ended by a line break (so another line follows). */
  private hasNext = false;

  private nextPhysical(): boolean {
    const text = this.text;
    if (this.pos > text.length) return false;
    // The next LF and CR are searched again only once passed (a file has only one kind).
    if (this.nextLf >= 0 && this.nextLf < this.pos) this.nextLf = text.indexOf("\n", this.pos);
    if (this.nextCr >= 0 && this.nextCr < this.pos) this.nextCr = text.indexOf("\r", this.pos);
    const lf = this.nextLf;
    const cr = this.nextCr;
    this.lineStart = this.pos;
    this.physicalLine++;
    const brk = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
    if (brk < 0) {
      this.lineEnd = text.length;
      this.pos = text.length + 1;
      this.hasNext = false;
      return true;
    }
    this.lineEnd = brk;
    this.pos = brk === cr && lf === cr + 1 ? brk + 2 : brk + 1;
    this.hasNext = true;
    return true;
  }

  /** Moves to the next logical line; false at the end. */
  next(): boolean {
    if (!this.nextPhysical()) return false;
    this.line = this.physicalLine + this.lineOffset;
    this.start = this.lineStart;
    this.end = this.lineEnd;
    this.continuations.length = 0;
    const text = this.text;
    // A value line continues while it ends with a backslash; key lines never continue.
    if (this.end > this.start && text.charCodeAt(this.end - 1) === 0x5c && this.hasNext && !text.slice(this.start, this.end).trimStart().startsWith("[")) {
      let more = true;
      while (more && this.nextPhysical()) {
        this.continuations.push(this.lineStart, this.lineEnd);
        more = this.lineEnd > this.lineStart && text.charCodeAt(this.lineEnd - 1) === 0x5c && this.hasNext;
      }
    }
    return true;
  }

  /** Physical lines read so far (the empty one after a final line break included). */
  get physicalLines(): number {
    return this.physicalLine;
  }

  /** Characters in the current logical line (its physical lines, breaks excluded). */
  length(): number {
    let length = this.end - this.start;
    const continuations = this.continuations;
    for (let i = 0; i < continuations.length; i += 2) length += continuations[i + 1] - continuations[i];
    return length;
  }

  /** The whole logical line as a string (continuations trimmed at the start and joined). */
  joined(): string {
    if (this.continuations.length === 0) return this.text.slice(this.start, this.end);
    const pieces: string[] = [this.text.slice(this.start, this.end - 1)];
    const continuations = this.continuations;
    for (let i = 0; i < continuations.length; i += 2) {
      const piece = this.text.slice(continuations[i], continuations[i + 1]).trimStart();
      pieces.push(i + 2 < continuations.length ? piece.slice(0, -1) : piece);
    }
    return pieces.join("");
  }

  /**
   * The ranges a continued line's data runs over, from `from` in its first physical line to
   * its end: [start, end) pairs, each continued line's final backslash left out.
   */
  ranges(from: number): number[] {
    const out = [from, this.end - 1];
    const continuations = this.continuations;
    for (let i = 0; i < continuations.length; i += 2) out.push(continuations[i], i + 2 < continuations.length ? continuations[i + 1] - 1 : continuations[i + 1]);
    return out;
  }
}

/**
 * A copy of a key path that does not point into the text it was cut from. A substring is a view
 * of its parent string in V8: an importer that remembers paths (key caches) would otherwise keep
 * every window of the file's text alive, the whole decoded file in the end.
 */
function ownString(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, "utf16le").toString("utf16le");
}

function trimTrailingBackslashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x5c) end--;
  return end === path.length ? path : path.slice(0, end);
}

export function parseRegFile(input: string | Uint8Array, source = "input"): RegFile {
  const { version, ops } = readRegFile(input, source);
  return { version, ops: [...ops] };
}

/** Checks the header now and parses the operations as they are iterated (no list of them all). */
export function readRegFile(input: string | Uint8Array, source = "input"): RegFileStream {
  const text = typeof input === "string" ? input.replace(/^\uFEFF/, "") : decodeRegFileBytes(input);
  return readRegFileWindows([text][Symbol.iterator](), source, text.length);
}

/**
 * The same from a file's text in windows, each ending at a line break that does not continue a
 * value (see reg-file-windows.ts): only one window is held at a time.
 */
export function readRegFileWindows(windows: Iterator<string>, source: string, characters: number): RegFileStream {
  const lines = new WindowedLines(windows);
  let header = "";
  let found = false;
  while (lines.next()) {
    header = lines.reader.joined().trim();
    if (header !== "") {
      found = true;
      break;
    }
  }
  let version: 4 | 5;
  if (header === REG_HEADER_V5) version = 5;
  else if (header === REG_HEADER_V4) version = 4;
  else {
    throw new RegFileError(
      "bad-reg-header",
      `not a .reg file: the first line must be "${REG_HEADER_V5}" or "${REG_HEADER_V4}", found ${JSON.stringify(header.slice(0, 60))}`,
      { path: source, line: found ? lines.reader.line : 1 },
    );
  }
  return { version, characters, ops: regFileOps(lines, version, source) };
}

/** Logical lines across windows of text, numbered from the start of the file. */
class WindowedLines {
  text = "";
  reader: LogicalLineReader;
  private offset = 0;
  private started = false;

  constructor(private readonly windows: Iterator<string>) {
    this.reader = new LogicalLineReader("");
  }

  next(): boolean {
    for (;;) {
      if (this.started && this.reader.next()) return true;
      const window = this.windows.next();
      if (window.done) return false;
      // A window ends with a line break, after which the reader sees one more, empty, line.
      if (this.started) this.offset += this.reader.physicalLines - 1;
      this.started = true;
      this.text = window.value;
      this.reader = new LogicalLineReader(this.text, this.offset);
    }
  }
}

function* regFileOps(windowed: WindowedLines, version: 4 | 5, source: string): Generator<RegFileOp> {
  let currentKey: string | undefined;
  let line = 0;
  const fail = (code: string, message: string): never => {
    throw new RegFileError(code, message, { path: source, line });
  };
  while (windowed.next()) {
    const lines = windowed.reader;
    const text = windowed.text;
    line = lines.line;
    if (lines.length() > MAX_REG_LINE) {
      fail("line-too-long", `line is ${lines.length()} characters long (more than ${MAX_REG_LINE}): a value this large cannot be imported from a .reg file`);
    }
    if (lines.continuations.length > 0 && currentKey !== undefined) {
      // A long hex value: parse the bytes where they lie; anything unusual takes the joined path.
      const op = continuedHexValue(text, lines, currentKey, version, fail);
      if (op) {
        yield op;
        continue;
      }
    }
    const text_ = lines.joined().trim();
    if (text_ === "" || text_.charCodeAt(0) === 0x3b /* ; */) continue;
    if (text_.charCodeAt(0) === 0x5b /* [ */) {
      const close = text_.lastIndexOf("]");
      if (close < 0) fail("bad-key-line", `key line has no closing "]": ${text_.slice(0, 80)}`);
      let path = text_.slice(1, close);
      const deleting = path.startsWith("-");
      if (deleting) path = path.slice(1);
      path = ownString(trimTrailingBackslashes(path));
      if (path === "") fail("bad-key-line", "empty key path");
      if (deleting) {
        yield { kind: "delete-key", path, line };
        currentKey = undefined;
      } else {
        yield { kind: "key", path, line };
        currentKey = path;
      }
      continue;
    }
    const { name, rest } = parseValueName(text_, fail);
    if (currentKey === undefined) fail("value-outside-key", "value line before any [KEY] line (or after a [-KEY] deletion)");
    const keyPath = currentKey as string;
    const spec = rest.trim();
    if (spec === "-") {
      yield { kind: "delete-value", keyPath, name, line };
      continue;
    }
    const { type, data } = parseValueData(spec, version, fail);
    if (data.length > MAX_VALUE_DATA) fail("value-too-large", `value data is ${data.length} bytes: regf holds at most ${MAX_VALUE_DATA}`);
    yield { kind: "value", keyPath, name, type, data, line };
  }
}

/**
 * A continued `"name"=hex…:` line parsed in place (the same result as joining it first), or
 * undefined when it is anything else or not in the common well-formed shape.
 */
function continuedHexValue(text: string, lines: LogicalLineReader, keyPath: string, version: 4 | 5, fail: Fail): RegFileOp | undefined {
  const first = text.slice(lines.start, lines.end - 1);
  const trimmed = first.trimStart();
  const code = trimmed.charCodeAt(0);
  if (code !== 0x22 /* " */ && code !== 0x40 /* @ */) return undefined;
  let parsed: { name: string; rest: string };
  try {
    parsed = parseValueName(trimmed, fail);
  } catch {
    return undefined;
  }
  const spec = parsed.rest.trimStart();
  const hex = hexPrefix(spec);
  if (!hex) return undefined;
  let data = hexBytesInRanges(text, lines.ranges(lines.end - 1 - spec.length + hex.dataStart));
  if (!data) return undefined;
  if (version === 4 && (hex.type === RegType.SZ || hex.type === RegType.EXPAND_SZ || hex.type === RegType.MULTI_SZ)) data = ansiToUtf16(data);
  return { kind: "value", keyPath, name: parsed.name, type: hex.type, data, line: lines.line };
}
