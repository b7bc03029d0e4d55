/**
 * Undo files in the layout of format version 1 (p2vfix up to 2026-12-05), built here from the
 * layout itself, not by the writer (which writes version 2 now): "P2VUNDO1", u32 header length,
 * JSON header with every range's sha256Before and the blob's blobSha256, then every range's
 * before bytes in order. Users have such files; they must still read and undo.
 */
import { createHash } from "node:crypto";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export interface V1Input {
  image: { path: string; size: number; mtimeMs: number; dev: number; ino: number };
  changes: string[];
  files: { path: string; originalSize: number; newSize: number; ranges: { offset: number; before: Uint8Array; after: Uint8Array }[] }[];
  createdAt?: Date;
}

export function encodeUndoFileV1(input: V1Input): Uint8Array {
  let blobOffset = 0;
  const files = input.files.map((file) => ({
    path: file.path,
    originalSize: file.originalSize,
    newSize: file.newSize,
    ranges: file.ranges.map((range) => {
      const entry = { offset: range.offset, length: range.after.length, beforeLength: range.before.length, blobOffset, sha256Before: sha(range.before), sha256After: sha(range.after) };
      blobOffset += range.before.length;
      return entry;
    }),
  }));
  const blob = Buffer.concat(input.files.flatMap((file) => file.ranges.map((range) => range.before)));
  const header = { format: "p2vfix-undo", version: 1, createdAt: (input.createdAt ?? new Date(0)).toISOString(), image: input.image, changes: input.changes, files, blobSize: blob.length, blobSha256: sha(blob) };
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(12);
  prefix.write("P2VUNDO1", 0, "latin1");
  prefix.writeUInt32LE(json.length, 8);
  return new Uint8Array(Buffer.concat([prefix, json, blob]));
}

/** The file with its JSON header replaced by `edit`'s result (the blob kept): for header consistency tests. */
export function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown> & { files: { ranges: Record<string, unknown>[] }[] }) => unknown): Uint8Array {
  const buffer = Buffer.from(bytes);
  const length = buffer.readUInt32LE(8);
  const header = JSON.parse(buffer.subarray(12, 12 + length).toString());
  const json = Buffer.from(JSON.stringify(edit(header) ?? header));
  const prefix = Buffer.alloc(12);
  buffer.copy(prefix, 0, 0, 8);
  prefix.writeUInt32LE(json.length, 8);
  return new Uint8Array(Buffer.concat([prefix, json, buffer.subarray(12 + length)]));
}
