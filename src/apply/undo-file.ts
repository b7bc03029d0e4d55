/**
 * The undo file: everything needed to put an image back byte for byte after p2vfix wrote to
 * it. Written and fsynced before the first byte of the image changes.
 *
 * Layout (all integers little-endian):
 *   0   8 bytes  magic "P2VUNDO1"
 *   8   u32      length H of the JSON header
 *   12  H bytes  JSON header (UTF-8), see UndoHeader
 *   12+H         blob: the original bytes of every range, at each range's blobOffset
 *
 * Per host file the header keeps the original and new size and, per written range, its
 * offset and length, how many of its bytes existed before (a range past the original end of
 * a file that grew has none: undo truncates instead), and SHA-256 of the range before and
 * after. The image identity (path, size, mtime, device, inode) says which file it was made for.
 */
import { createHash } from "node:crypto";
import { replaceFileSafely } from "../io/safe-file.js";
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { ImageError } from "../errors.js";
import { writeFileDurably } from "./durable.js";

export const UNDO_MAGIC = "P2VUNDO1";
const PREFIX = 12;
/** A header larger than this is not one p2vfix wrote. */
const MAX_HEADER = 64 * 1024 * 1024;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();

const rangeSchema = z.object({
  offset: count,
  length: count,
  /** Bytes of the range that lay inside the original file (stored in the blob). */
  beforeLength: count,
  blobOffset: count,
  sha256Before: sha256Hex,
  sha256After: sha256Hex,
});

const identitySchema = z.object({
  path: z.string(),
  size: count,
  mtimeMs: z.number(),
  dev: z.number(),
  ino: z.number(),
});

const headerSchema = z.object({
  format: z.literal("p2vfix-undo"),
  version: z.literal(1),
  createdAt: z.string(),
  image: identitySchema,
  /** What was written, for people: "partition 2:Windows/System32/config/SYSTEM". */
  changes: z.array(z.string()),
  files: z.array(
    z.object({
      path: z.string(),
      originalSize: count,
      newSize: count,
      ranges: z.array(rangeSchema),
    }),
  ),
  blobSize: count,
  blobSha256: sha256Hex,
});

export type UndoRange = z.infer<typeof rangeSchema>;
export type ImageIdentity = z.infer<typeof identitySchema>;
export type UndoHeader = z.infer<typeof headerSchema>;
export type UndoFileEntry = UndoHeader["files"][number];

export interface UndoFile {
  header: UndoHeader;
  /** Original bytes of a range (its first beforeLength bytes). */
  before(range: UndoRange): Uint8Array;
}

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
  const blob = Buffer.concat(input.files.flatMap((file) => file.ranges.map((range) => range.before)));
  const head = undoHead({
    image: input.image,
    changes: input.changes,
    files: input.files.map((file) => ({ ...file, ranges: file.ranges.map((range) => ({ offset: range.offset, length: range.after.length, beforeLength: range.before.length, sha256Before: sha256(range.before), sha256After: sha256(range.after) })) })),
    blobSha256: sha256(blob),
    ...(input.createdAt ? { createdAt: input.createdAt } : {}),
  });
  const out = new Uint8Array(head.length + blob.length);
  out.set(head, 0);
  out.set(blob, head.length);
  return out;
}

/** The magic, header length and JSON header of an undo file whose blob holds every range's before bytes in order. */
function undoHead(input: Omit<StreamedUndoInput, "before">): Uint8Array {
  let blobSize = 0;
  const files = input.files.map((file) => ({
    path: file.path,
    originalSize: file.originalSize,
    newSize: file.newSize,
    ranges: file.ranges.map((measuredRange) => {
      const range: UndoRange = { offset: measuredRange.offset, length: measuredRange.length, beforeLength: measuredRange.beforeLength, blobOffset: blobSize, sha256Before: measuredRange.sha256Before, sha256After: measuredRange.sha256After };
      blobSize += measuredRange.beforeLength;
      return range;
    }),
  }));
  const header: UndoHeader = { format: "p2vfix-undo", version: 1, createdAt: (input.createdAt ?? new Date()).toISOString(), image: input.image, changes: input.changes, files, blobSize, blobSha256: input.blobSha256 };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREFIX + json.length);
  out.set(new TextEncoder().encode(UNDO_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, PREFIX);
  return out;
}

export function decodeUndoFile(bytes: Uint8Array, path = "undo file"): UndoFile {
  const bad = (message: string, offset?: number) => new ImageError("bad-undo-file", `${path}: ${message}`, { path, ...(offset === undefined ? {} : { offset }) });
  if (bytes.length < PREFIX || new TextDecoder("latin1").decode(bytes.subarray(0, 8)) !== UNDO_MAGIC) throw bad("not a p2vfix undo file (no P2VUNDO1 signature)", 0);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (headerLength > MAX_HEADER || PREFIX + headerLength > bytes.length) throw bad(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`, 8);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch (err) {
    throw bad(`header is not valid JSON: ${(err as Error).message}`, PREFIX);
  }
  const result = headerSchema.safeParse(parsed);
  if (!result.success) throw bad(`header does not match the undo format: ${result.error.issues[0]?.message ?? "invalid"} at ${result.error.issues[0]?.path.join(".") ?? "?"}`, PREFIX);
  const header = result.data;
  const blob = bytes.subarray(PREFIX + headerLength);
  if (blob.length !== header.blobSize) throw bad(`holds ${blob.length} bytes of original data, the header says ${header.blobSize} (truncated?)`, PREFIX + headerLength);
  if (sha256(blob) !== header.blobSha256) throw bad("the original bytes do not match their SHA-256 (the undo file is damaged)", PREFIX + headerLength);
  for (const file of header.files) {
    for (const range of file.ranges) {
      const beforeOutside = range.beforeLength > 0 && range.offset + range.beforeLength > file.originalSize;
      // Bytes that existed before are stored whole: a range inside the old size has all of them.
      const beforeMissing = range.offset < file.originalSize && range.beforeLength !== Math.min(range.length, file.originalSize - range.offset);
      if (range.beforeLength > range.length || range.blobOffset + range.beforeLength > header.blobSize || beforeOutside || beforeMissing || range.offset + range.length > Math.max(file.newSize, file.originalSize)) {
        throw bad(`range at ${range.offset} of ${file.path} is inconsistent with the file sizes or the stored data`);
      }
    }
  }
  return {
    header,
    before: (stored) => blob.subarray(stored.blobOffset, stored.blobOffset + stored.beforeLength),
  };
}

/** A written range measured without holding its bytes: sizes and the SHA-256 of before and after. */
export interface MeasuredRange {
  offset: number;
  length: number;
  beforeLength: number;
  sha256Before: string;
  sha256After: string;
}

export interface StreamedUndoInput {
  image: ImageIdentity;
  changes: string[];
  files: { path: string; originalSize: number; newSize: number; ranges: MeasuredRange[] }[];
  /** SHA-256 of every range's before bytes, files and ranges in order (the blob). */
  blobSha256: string;
  /** The original bytes of a range, read piece by piece (`at` within the range's before bytes). */
  before(file: number, range: MeasuredRange, at: number, length: number): Uint8Array;
  createdAt?: Date;
}

/** Pieces the blob is copied in: memory stays this size whatever the change. */
const BLOB_PIECE = 1 << 20;

/**
 * Creates the undo file like writeUndoFile, but reads each range's before bytes as it writes them
 * (the header already has their SHA-256): for changes too large to hold in memory. Returns where
 * the blob starts in the file, so a rollback can read the original bytes back from it.
 */
export function writeUndoFileStreamed(path: string, input: StreamedUndoInput, mode = 0o600): number {
  const head = undoHead(input);
  replaceFileSafely(
    path,
    (write) => {
      write(head);
      const blob = createHash("sha256");
      input.files.forEach((file, i) => {
        for (const range of file.ranges) {
          for (let at = 0; at < range.beforeLength; at += BLOB_PIECE) {
            const piece = input.before(i, range, at, Math.min(BLOB_PIECE, range.beforeLength - at));
            blob.update(piece);
            write(piece);
          }
        }
      });
      // Read twice (measured, then copied): a file changed in between must not leave a wrong undo file.
      if (blob.digest("hex") !== input.blobSha256) throw new ImageError("image-changed", `${input.image.path} changed while p2vfix was writing the undo file; nothing was written to the image`, { path: input.image.path });
    },
    { mode, noReplace: true },
  );
  return head.length;
}

/** Creates the undo file (never over an existing name) with `mode`: the image's permission bits, it holds the image's bytes. */
export function writeUndoFile(path: string, input: UndoInput, mode = 0o600): void {
  writeFileDurably(path, encodeUndoFile(input), mode, { noReplace: true });
}

export function readUndoFile(path: string): UndoFile {
  let bytes: Uint8Array;
  try {
    // A pipe or device planted under an undo file's name would hang or fill memory: regular files only.
    if (!statSync(path).isFile()) throw new Error("not a regular file");
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new ImageError("undo-file-unreadable", `cannot read undo file ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  return decodeUndoFile(bytes, path);
}
