/**
 * The undo file: everything needed to put an image back byte for byte after p2vfix wrote to
 * it. Written and fsynced before the first byte of the image changes.
 *
 * Layout (all integers little-endian):
 *   0   8 bytes  magic "P2VUNDO1" (the same for every header version)
 *   8   u32      length H of the JSON header
 *   12  H bytes  JSON header (UTF-8), see UndoHeader
 *   12+H         blob: the original bytes of every stored range, at each range's blobOffset
 *
 * Per host file the header keeps the original and new size and, per written range, its
 * offset and length, how many of its bytes existed before (a range past the original end of
 * a file that grew has none: undo truncates instead), and SHA-256 of the range before and
 * after. The image identity (path, size, mtime, device, inode) says which file it was made for.
 *
 * Header version 2 (written since 2026-12): a range whose before bytes are all zero is
 * `zeroBefore: true`, with no bytes in the blob and no sha256Before (zeros are zeros); every
 * other range's stored bytes are checked against its sha256Before when the file is opened, and
 * the ranges tile the blob in order. Version 1 (still read) stores every range and checks the
 * whole blob against `blobSha256`.
 */
import { createHash } from "node:crypto";
import { replaceFileSafely } from "../io/safe-file.js";
import { startWriteback, WRITEBACK_EVERY } from "../io/writeback.js";
import { statSync, writeSync } from "node:fs";
import { FileDevice } from "../io/file-device.js";
import type { z } from "zod";
import { lazySchema } from "../util/lazy-zod.js";
import { ImageError } from "../errors.js";
import { writeFileDurably } from "./durable.js";
import { isAllZeroBytes } from "../util/zero-bytes.js";

export const UNDO_MAGIC = "P2VUNDO1";
const PREFIX = 12;
/** A header larger than this is not one p2vfix wrote. */
const MAX_HEADER = 64 * 1024 * 1024;

/** The header's schema, built when an undo file is first read (lazy-zod.ts: writing one needs no zod). */
const undoSchemas = lazySchema((zod) => {
  const sha256Hex = zod.string().regex(/^[0-9a-f]{64}$/);
  const count = zod.number().int().nonnegative();

  const rangeSchema = zod.object({
    offset: count,
    length: count,
    /** Bytes of the range that lay inside the original file (stored in the blob unless zeroBefore). */
    beforeLength: count,
    blobOffset: count,
    /** SHA-256 of the before bytes; version 2 has none for a zeroBefore range. */
    sha256Before: sha256Hex.optional(),
    /** Version 2: the before bytes are all zero, none stored (blobOffset is where the next stored range starts). */
    zeroBefore: zod.literal(true).optional(),
    sha256After: sha256Hex,
  });

  const identitySchema = zod.object({
    path: zod.string(),
    size: count,
    mtimeMs: zod.number(),
    dev: zod.number(),
    ino: zod.number(),
  });

  const headerSchema = zod.object({
    format: zod.literal("p2vfix-undo"),
    version: zod.union([zod.literal(1), zod.literal(2)]),
    createdAt: zod.string(),
    image: identitySchema,
    /** What was written, for people: "partition 2:Windows/System32/config/SYSTEM". */
    changes: zod.array(zod.string()),
    files: zod.array(
      zod.object({
        path: zod.string(),
        originalSize: count,
        newSize: count,
        ranges: zod.array(rangeSchema),
      }),
    ),
    blobSize: count,
    /** Version 1 only: SHA-256 of the whole blob (version 2 checks each stored range by its sha256Before). */
    blobSha256: sha256Hex.optional(),
  });
  return { rangeSchema, identitySchema, headerSchema };
});
type UndoSchemas = ReturnType<typeof undoSchemas>;

export type UndoRange = z.infer<UndoSchemas["rangeSchema"]>;
export type ImageIdentity = z.infer<UndoSchemas["identitySchema"]>;
export type UndoHeader = z.infer<UndoSchemas["headerSchema"]>;
export type UndoFileEntry = UndoHeader["files"][number];

export interface UndoFile {
  header: UndoHeader;
  /** Original bytes of a range (its first beforeLength bytes; zeros for a zeroBefore range). */
  before(range: UndoRange): Uint8Array;
  /** `length` original bytes of a range from `at` (within its beforeLength), into `target` when given: a large range piece by piece. */
  readBefore(range: UndoRange, at: number, length: number, target?: Uint8Array): Uint8Array;
  /** Lets go of the file (readUndoFile keeps it open, so what was checked is what is read). */
  close(): void;
}

/** Where an undo file's bytes come from: a buffer, or the open file read piece by piece. */
interface UndoSource {
  size: number;
  /** `length` bytes at `offset`, into the start of `target` when given. */
  read(offset: number, length: number, target?: Uint8Array): Uint8Array;
  close(): void;
}

/** Stored bytes are checked against their SHA-256 in pieces of this size: memory stays this size. */
const CHECK_PIECE = 1 << 20;

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** One written range as the transaction sees it: where, the bytes there before (inside the old size) and after. */
export interface RangeChange {
  offset: number;
  before: Uint8Array;
  after: Uint8Array;
}

export interface UndoInput {
  image: ImageIdentity;
  changes: string[];
  files: { path: string; originalSize: number; newSize: number; ranges: RangeChange[] }[];
  createdAt?: Date;
}

export function encodeUndoFile(input: UndoInput): Uint8Array {
  const files = input.files.map((file) => ({
    ...file,
    ranges: file.ranges.map((range): MeasuredRange & { before: Uint8Array } => {
      const common = { offset: range.offset, length: range.after.length, beforeLength: range.before.length, sha256After: sha256(range.after), before: range.before };
      return range.before.length > 0 && isAllZeroBytes(range.before) ? { ...common, zeroBefore: true } : { ...common, sha256Before: sha256(range.before) };
    }),
  }));
  const blob = Buffer.concat(files.flatMap((file) => file.ranges.filter((range) => !range.zeroBefore).map((range) => range.before)));
  const head = undoHead({
    image: input.image,
    changes: input.changes,
    files: files.map((file) => ({ ...file, ranges: file.ranges.map(({ before: _before, ...range }) => range) })),
    ...(input.createdAt ? { createdAt: input.createdAt } : {}),
  });
  const out = new Uint8Array(head.length + blob.length);
  out.set(head, 0);
  out.set(blob, head.length);
  return out;
}

/**
 * Where each range's stored before bytes start in the blob (files in order, each file's ranges
 * in order), and the blob's size: a zeroBefore range stores none, and its offset is where the
 * next stored range starts. The header records it; a rollback reads the blob by it.
 */
export function blobLayout(rangesPerFile: readonly (readonly MeasuredRange[])[]): { offsets: number[][]; size: number } {
  let size = 0;
  const offsets = rangesPerFile.map((ranges) =>
    ranges.map((range) => {
      const at = size;
      if (!range.zeroBefore) size += range.beforeLength;
      return at;
    }),
  );
  return { offsets, size };
}

/**
 * The magic, header length and JSON header (version 2) of an undo file whose blob holds every
 * stored range's before bytes in order. With `room`, the header is padded with spaces to that
 * many bytes (JSON allows trailing white space), or undefined when it does not fit.
 */
function undoHead(input: UndoHeadInput): Uint8Array;
function undoHead(input: UndoHeadInput, room: number): Uint8Array | undefined;
function undoHead(input: UndoHeadInput, room?: number): Uint8Array | undefined {
  const blob = blobLayout(input.files.map((file) => file.ranges));
  const files = input.files.map((file, i) => ({
    path: file.path,
    originalSize: file.originalSize,
    newSize: file.newSize,
    ranges: file.ranges.map((measuredRange, j): UndoRange => {
      const { offset, length, beforeLength, sha256After } = measuredRange;
      const blobOffset = blob.offsets[i][j];
      return measuredRange.zeroBefore
        ? { offset, length, beforeLength, blobOffset, zeroBefore: true, sha256After }
        : { offset, length, beforeLength, blobOffset, sha256Before: measuredRange.sha256Before, sha256After };
    }),
  }));
  const header: UndoHeader = { format: "p2vfix-undo", version: 2, createdAt: (input.createdAt ?? new Date()).toISOString(), image: input.image, changes: input.changes, files, blobSize: blob.size };
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (room !== undefined && json.length > room) return undefined;
  const length = room ?? json.length;
  const out = new Uint8Array(PREFIX + length).fill(0x20);
  out.set(new TextEncoder().encode(UNDO_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, length, true);
  out.set(json, PREFIX);
  return out;
}

export function decodeUndoFile(bytes: Uint8Array, path = "undo file"): UndoFile {
  return decodeUndoSource({ size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length), close() {} }, path);
}

/** `length` bytes of `file` at `offset`: into the start of `target` when given (a view of it), else fresh. */
function readFrom(file: FileDevice, offset: number, length: number, target?: Uint8Array): Uint8Array {
  if (!target) return file.read(offset, length);
  file.readInto(offset, target, 0, length);
  return target.subarray(0, length);
}

type Bad = (message: string, offset?: number) => ImageError;

/**
 * What a header version requires beyond the schema: version 1 a blob hash and every range
 * stored with its hash; version 2 no blob hash, each range either zeroBefore (with before bytes,
 * no hash) or stored with its hash, the stored ranges one after the other filling the blob.
 */
function checkVersionFields(header: UndoHeader, bad: Bad): void {
  const ranges = header.files.flatMap((file) => file.ranges.map((range) => ({ file, range })));
  if (header.version === 1) {
    if (header.blobSha256 === undefined) throw bad("version 1 header without blobSha256", PREFIX);
    const odd = ranges.find(({ range }) => range.zeroBefore || range.sha256Before === undefined);
    if (odd) throw bad(`range at ${odd.range.offset} of ${odd.file.path} lacks sha256Before or is zeroBefore, which version 1 does not have`, PREFIX);
    return;
  }
  if (header.blobSha256 !== undefined) throw bad("version 2 header with a blobSha256 (version 2 checks each range instead)", PREFIX);
  let blobAt = 0;
  for (const { file, range } of ranges) {
    const where = `range at ${range.offset} of ${file.path}`;
    if (range.zeroBefore && (range.sha256Before !== undefined || range.beforeLength === 0)) throw bad(`${where} is zeroBefore but has ${range.beforeLength === 0 ? "no before bytes" : "a sha256Before"}`, PREFIX);
    if (!range.zeroBefore && range.sha256Before === undefined) throw bad(`${where} is stored without a sha256Before`, PREFIX);
    if (range.blobOffset !== blobAt) throw bad(`${where} says its bytes are at ${range.blobOffset} of the original data, expected ${blobAt}`, PREFIX);
    if (!range.zeroBefore) blobAt += range.beforeLength;
  }
  if (blobAt !== header.blobSize) throw bad(`the ranges store ${blobAt} bytes of original data, the header says ${header.blobSize}`, PREFIX);
}

/** SHA-256 of `length` bytes of the source at `offset`, read piece by piece. */
function sha256OfSource(source: UndoSource, offset: number, length: number, piece: Uint8Array): string {
  const hash = createHash("sha256");
  for (let at = 0; at < length; at += CHECK_PIECE) hash.update(source.read(offset + at, Math.min(CHECK_PIECE, length - at), piece));
  return hash.digest("hex");
}

function decodeUndoSource(source: UndoSource, path: string): UndoFile {
  const bad: Bad = (message, offset) => new ImageError("bad-undo-file", `${path}: ${message}`, { path, ...(offset === undefined ? {} : { offset }) });
  if (source.size < PREFIX) throw bad("not a p2vfix undo file (no P2VUNDO1 signature)", 0);
  const prefix = source.read(0, PREFIX);
  if (new TextDecoder("latin1").decode(prefix.subarray(0, 8)) !== UNDO_MAGIC) throw bad("not a p2vfix undo file (no P2VUNDO1 signature)", 0);
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(8, true);
  if (headerLength > MAX_HEADER || PREFIX + headerLength > source.size) throw bad(`header length ${headerLength} runs past the end of the file (${source.size} bytes)`, 8);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(source.read(PREFIX, headerLength)));
  } catch (err) {
    throw bad(`header is not valid JSON: ${(err as Error).message}`, PREFIX);
  }
  const result = undoSchemas().headerSchema.safeParse(parsed);
  if (!result.success) throw bad(`header does not match the undo format: ${result.error.issues[0]?.message ?? "invalid"} at ${result.error.issues[0]?.path.join(".") ?? "?"}`, PREFIX);
  const header = result.data;
  checkVersionFields(header, bad);
  const blobStart = PREFIX + headerLength;
  const blobLength = source.size - blobStart;
  if (blobLength !== header.blobSize) throw bad(`holds ${blobLength} bytes of original data, the header says ${header.blobSize} (truncated?)`, blobStart);
  for (const file of header.files) {
    for (const range of file.ranges) {
      const beforeOutside = range.beforeLength > 0 && range.offset + range.beforeLength > file.originalSize;
      // Bytes that existed before are stored whole: a range inside the old size has all of them.
      const beforeMissing = range.offset < file.originalSize && range.beforeLength !== Math.min(range.length, file.originalSize - range.offset);
      if (range.beforeLength > range.length || (!range.zeroBefore && range.blobOffset + range.beforeLength > header.blobSize) || beforeOutside || beforeMissing || range.offset + range.length > Math.max(file.newSize, file.originalSize)) {
        throw bad(`range at ${range.offset} of ${file.path} is inconsistent with the file sizes or the stored data`);
      }
    }
  }
  const piece = new Uint8Array(Math.min(CHECK_PIECE, blobLength));
  if (header.version === 1) {
    if (sha256OfSource(source, blobStart, blobLength, piece) !== header.blobSha256) throw bad("the original bytes do not match their SHA-256 (the undo file is damaged)", blobStart);
  } else {
    for (const file of header.files) {
      for (const range of file.ranges) {
        if (range.zeroBefore) continue;
        if (sha256OfSource(source, blobStart + range.blobOffset, range.beforeLength, piece) !== range.sha256Before) {
          throw bad(`the original bytes of the range at ${range.offset} of ${file.path} do not match their SHA-256 (the undo file is damaged)`, blobStart + range.blobOffset);
        }
      }
    }
  }
  const readBefore = (range: UndoRange, at: number, length: number, target?: Uint8Array) => {
    if (at < 0 || length < 0 || at + length > range.beforeLength) throw new RangeError(`${length} bytes at ${at} are outside the range's ${range.beforeLength} original bytes`);
    if (range.zeroBefore) return target ? target.fill(0, 0, length).subarray(0, length) : new Uint8Array(length);
    return source.read(blobStart + range.blobOffset + at, length, target);
  };
  return {
    header,
    before: (range) => readBefore(range, 0, range.beforeLength),
    readBefore,
    close: () => source.close(),
  };
}

/**
 * A written range measured without holding its bytes: sizes and the SHA-256 of after, and of
 * before unless every before byte is zero (`zeroBefore`: none of them stored).
 */
export type MeasuredRange = { offset: number; length: number; beforeLength: number; sha256After: string } & ({ sha256Before: string; zeroBefore?: undefined } | { zeroBefore: true; sha256Before?: undefined });

/** What the header says: the files and their measured ranges. */
interface UndoHeadInput {
  image: ImageIdentity;
  changes: string[];
  files: { path: string; originalSize: number; newSize: number; ranges: MeasuredRange[] }[];
  createdAt?: Date;
}

/** One host file whose changes are measured while the undo file is written. */
export interface FileToMeasure {
  path: string;
  originalSize: number;
  newSize: number;
  /** How many stretches it has to measure: sizes the room left for the header. */
  stretches: number;
  /** Its changed ranges; every before byte of a stored (not zeroBefore) range goes to `keep`, in order. */
  measure(keep: (before: Uint8Array) => void): MeasuredRange[];
}

/** Header bytes reserved per stretch (a range's JSON is about 250 bytes; a stretch may split in two) and for the rest. */
const ROOM_PER_STRETCH = 600;
const ROOM_FIXED = 64 * 1024;
/** The blob is written in pieces of this size: memory stays this size. */
const BLOB_BUFFER = 1 << 20;

/**
 * Measures the changes and writes the undo file in the same pass: each range's before bytes are
 * read once, hashed and written to the blob (all-zero ones neither), which starts after room reserved for the header;
 * the header (padded to that room) goes in last, then the file is fsynced and published under
 * its name only if that name is free (replaceFileSafely). Room too small for the header (a change split into very many ranges):
 * measured again with the room it needs. Returns the files that changed, with their ranges, and
 * where the blob starts; undefined, and no file, when nothing changed.
 */
export function writeUndoFileMeasured(
  path: string,
  input: { image: ImageIdentity; changes: string[]; files: FileToMeasure[]; createdAt?: Date },
  mode = 0o600,
): { files: Array<{ file: FileToMeasure; ranges: MeasuredRange[] }>; blobStart: number } | undefined {
  const changesRoom = new TextEncoder().encode(JSON.stringify(input.changes)).length + new TextEncoder().encode(JSON.stringify(input.files.map((file) => file.path))).length;
  let room = ROOM_FIXED + changesRoom + ROOM_PER_STRETCH * input.files.reduce((sum, file) => sum + file.stretches, 0);
  for (;;) {
    let outcome: { files: Array<{ file: FileToMeasure; ranges: MeasuredRange[] }>; blobStart: number } | "nothing" | "no-room" = "nothing";
    const reserved = room;
    try {
      replaceFileSafely(
        path,
        (_write, fd, temp) => {
          const blobStart = PREFIX + reserved;
          const buffer = new Uint8Array(BLOB_BUFFER);
          let buffered = 0;
          let at = blobStart;
          let startedAt = at;
          const flush = () => {
            for (let done = 0; done < buffered; ) done += writeSync(fd, buffer, done, buffered - done, at + done);
            at += buffered;
            buffered = 0;
            // A large blob goes to disk while the rest is measured: the fsync before publishing has less to wait for.
            if (at - startedAt >= WRITEBACK_EVERY) {
              startWriteback(temp, { noFollow: true });
              startedAt = at;
            }
          };
          const keep = (bytes: Uint8Array) => {
            for (let from = 0; from < bytes.length; ) {
              const taken = Math.min(bytes.length - from, BLOB_BUFFER - buffered);
              buffer.set(bytes.subarray(from, from + taken), buffered);
              buffered += taken;
              from += taken;
              if (buffered === BLOB_BUFFER) flush();
            }
          };
          const files = input.files.map((file) => ({ file, ranges: file.measure(keep) })).filter((measured) => measured.ranges.length > 0 || measured.file.newSize !== measured.file.originalSize);
          flush();
          if (files.length === 0) throw NOTHING_CHANGED;
          const headInput = { image: input.image, changes: input.changes, files: files.map((file) => ({ path: file.file.path, originalSize: file.file.originalSize, newSize: file.file.newSize, ranges: file.ranges })), ...(input.createdAt ? { createdAt: input.createdAt } : {}) };
          const head = undoHead(headInput, reserved);
          if (!head) {
            // Measured again with the room this header needs (the same length when nothing moved; slack if something did).
            room = undoHead(headInput).length - PREFIX + ROOM_FIXED;
            throw NO_ROOM;
          }
          for (let done = 0; done < head.length; ) done += writeSync(fd, head, done, head.length - done, done);
          outcome = { files, blobStart };
        },
        { mode, noReplace: true },
      );
    } catch (err) {
      if (err === NOTHING_CHANGED) return undefined;
      if (err === NO_ROOM) outcome = "no-room";
      else throw err;
    }
    if (outcome === "nothing") return undefined;
    if (outcome !== "no-room") return outcome;
  }
}

const NOTHING_CHANGED = new Error("nothing changed");
const NO_ROOM = new Error("no room for the header");

/** Creates the undo file (never over an existing name) with `mode`: the image's permission bits, it holds the image's bytes. */
export function writeUndoFile(path: string, input: UndoInput, mode = 0o600): void {
  writeFileDurably(path, encodeUndoFile(input), mode, { noReplace: true });
}

/**
 * Reads an undo file without holding it in memory: the header parsed, the stored bytes checked
 * against their SHA-256 piece by piece, the original bytes read when asked. The file stays open until close().
 */
export function readUndoFile(path: string): UndoFile {
  let file: FileDevice;
  try {
    // A pipe or device planted under an undo file's name would hang or fill memory: regular files only.
    if (!statSync(path).isFile()) throw new Error("not a regular file");
    file = new FileDevice(path);
  } catch (err) {
    throw new ImageError("undo-file-unreadable", `cannot read undo file ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  try {
    return decodeUndoSource({ size: file.size, read: (offset, length, target) => readFrom(file, offset, length, target), close: () => file.close() }, path);
  } catch (err) {
    file.close();
    throw err;
  }
}
