/**
 * A .reg file's text read in windows of about a megabyte, so an import holds one window, not the
 * file and its decoded text. Encodings as decodeRegFileBytes decides them: UTF-16LE (BOM, or
 * zero bytes at odd offsets at the start), UTF-8 (BOM, or valid throughout: checked in a first
 * pass), else Latin-1. Each window ends at a line break after a line that does not end with a
 * backslash, so no logical line is split; a line longer than MAX_REG_LINE is passed on as it is
 * (the parser refuses it) instead of being gathered whole.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { MAX_REG_LINE } from "./reg-file.js";

const CHUNK = 1 << 20;

export interface RegFileWindows {
  windows: Generator<string>;
  /** Characters of text, about (a size hint). */
  characters: number;
}

function* chunks(fd: number, from: number, size = CHUNK, read?: (position: number) => void): Generator<Uint8Array> {
  const buffer = Buffer.alloc(size);
  let position = from;
  for (;;) {
    const bytesRead = readSync(fd, buffer, 0, size, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    read?.(position);
    yield buffer.subarray(0, bytesRead);
  }
}

function isUtf8(fd: number, from: number): boolean {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for (const chunk of chunks(fd, from)) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/** Index just after the last line break in `text` that ends a line not continued by `\`; 0 if none. */
function safeCut(text: string): number {
  let last = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    let back = i - 1;
    if (back >= 0 && text.charCodeAt(back) === 0x0d) back--;
    if (back < 0 || text.charCodeAt(back) !== 0x5c) last = i + 1;
  }
  return last;
}

/**
 * Opens `path` and returns its text in windows (the file is closed when they are done or
 * abandoned). `onProgress` gets the bytes of the file read so far out of its size, as each chunk
 * is read (monotonic, ending at the size once the last window is taken).
 */
export function regFileWindows(path: string, chunkSize = CHUNK, onProgress?: (done: number, total: number) => void): RegFileWindows {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(4);
    const got = readSync(fd, head, 0, 4, 0);
    let encoding: "utf-16le" | "utf-8" | "latin1";
    let skip = 0;
    if (got >= 2 && head[0] === 0xff && head[1] === 0xfe) [encoding, skip] = ["utf-16le", 2];
    else if (got >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) [encoding, skip] = ["utf-8", 3];
    else if (got >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0) encoding = "utf-16le";
    else encoding = isUtf8(fd, 0) ? "utf-8" : "latin1";
    const characters = encoding === "utf-16le" ? Math.floor((size - skip) / 2) : size - skip;
    return { windows: windows(fd, skip, encoding, chunkSize, onProgress && ((read) => onProgress(Math.min(size, read), size))), characters };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function* windows(fd: number, skip: number, encoding: "utf-16le" | "utf-8" | "latin1", chunkSize: number, read?: (position: number) => void): Generator<string> {
  try {
    const decoder = new TextDecoder(encoding === "latin1" ? "utf-8" : encoding);
    const decode = (chunk: Uint8Array | undefined): string =>
      encoding === "latin1" ? (chunk ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString("latin1") : "") : decoder.decode(chunk, { stream: chunk !== undefined });
    // The text since the last window, in pieces: only each new piece is scanned (a long line
    // is never re-scanned or flattened), with the two characters before it for its first break.
    let pieces: string[] = [];
    let length = 0;
    let tail = "";
    for (const chunk of chunks(fd, skip, chunkSize, read)) {
      const piece = decode(chunk);
      const cut = safeCut(tail + piece) - tail.length;
      if (cut > 0) {
        pieces.push(piece.slice(0, cut));
        yield pieces.join("");
        const rest = piece.slice(cut);
        pieces = [rest];
        length = rest.length;
        tail = rest.slice(-2);
        continue;
      }
      pieces.push(piece);
      length += piece.length;
      tail = (tail + piece).slice(-2);
      if (length > MAX_REG_LINE + 2) {
        // One logical line over the limit: the parser refuses it from this much.
        yield pieces.join("");
        pieces = [];
        length = 0;
        tail = "";
      }
    }
    pieces.push(decode(undefined));
    read?.(Number.MAX_SAFE_INTEGER); // the end, even if the file shrank while it was read
    yield pieces.join("");
  } finally {
    closeSync(fd);
  }
}
