/**
 * Byte-exact text handling shared by the text formats. A definition is held as a "binary"
 * (latin1) string: one char per byte, so splicing ASCII edits into it and encoding it back
 * gives the original bytes everywhere else, whatever the file's own encoding.
 */
import { VmConfigError } from "../errors.js";

export function bytesToText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function textToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

/** Decodes a value taken from the byte string as UTF-8, for display. */
export function displayText(binary: string): string {
  return Buffer.from(binary, "latin1").toString("utf8");
}

/** The file's own line ending: CRLF when the first line ends with one. */
export function lineEnding(text: string): string {
  const lf = text.indexOf("\n");
  return lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
}

/** One line of a text file: [start, end) excludes the line ending; `next` is where the next line starts. */
export interface TextLine {
  number: number;
  start: number;
  end: number;
  next: number;
  text: string;
}

export function splitLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  let number = 1;
  while (start < text.length) {
    let lf = text.indexOf("\n", start);
    const next = lf < 0 ? text.length : lf + 1;
    if (lf < 0) lf = text.length;
    const end = lf > start && text[lf - 1] === "\r" ? lf - 1 : lf;
    lines.push({ number, start, end, next, text: text.slice(start, end) });
    start = next;
    number++;
  }
  return lines;
}

/** 1-based line number of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping splices (in any order) to `text`. */
export function applySplices(text: string, splices: Splice[], path: string): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start);
  let out = text;
  let limit = Infinity;
  for (const splice of sorted) {
    if (splice.end > limit || splice.start > splice.end) {
      throw new VmConfigError("overlapping-edit", "internal: two edits overlap", { path, offset: splice.start });
    }
    out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
    limit = splice.start;
  }
  return out;
}

/** The leading blanks of the line containing `offset`. */
export function indentOfLineAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const match = /^[ \t]*/.exec(text.slice(lineStart, offset));
  return match ? match[0] : "";
}

/** Quotes an argument for a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes a string for PowerShell (single quotes, doubled inside). */
export function psQuote(arg: string): string {
  return `'${arg.replace(/'/g, "''")}'`;
}
