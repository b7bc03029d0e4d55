/**
 * The commit of a transaction (transaction.ts): once the undo file is fsynced and the journal
 * says "applying", the changed ranges go from the overlays to the host files, each piece read
 * back through a fresh handle as soon as it is written and compared with the bytes meant, and
 * the files fsynced (started every 8 MiB, finished at the end). Any failure puts the original
 * bytes back from the undo file (rollBackAll) and the journal says "rolled-back".
 */
import { P2vfixError, RefusedError, VerifyError } from "../errors.js";
import { FileDevice } from "../io/file-device.js";
import { WRITEBACK_EVERY } from "../io/writeback.js";
import type { SpoolOverlayDevice } from "../io/spool-overlay-device.js";
import { writeJournal } from "./journal.js";
import type { StepCounter } from "./steps.js";
import { blobLayout, type MeasuredRange } from "./undo-file.js";
import { zeros } from "../util/zero-bytes.js";
import { sameBytes } from "../util/same-bytes.js";

/** Largest single write call to a host file: a crash can tear a range only at these boundaries. */
export const WRITE_CHUNK = 64 * 1024;

export interface FileChanges {
  path: string;
  originalSize: number;
  newSize: number;
  changes: MeasuredRange[];
  /** The overlay holding the new bytes (read piece by piece at commit). */
  overlay: SpoolOverlayDevice;
  base: FileDevice;
}

/** The undo file just written, and where its blob of original bytes starts: rollbacks read from it. */
export interface WrittenUndo {
  path: string;
  blobStart: number;
}

/** Bytes copied per read while committing or rolling back: memory stays this size. */
const COMMIT_PIECE = 1 << 20;

/** Writes `length` bytes read from `source` at `offset` in WRITE_CHUNK calls, counting each as a step (and its bytes, when asked). */
function copyRange(
  device: FileDevice,
  offset: number,
  length: number,
  source: (at: number, length: number) => Uint8Array,
  steps: StepCounter,
  wrote?: (bytes: number) => void,
  /** Called with each piece once it is written (the commit reads it back while the bytes are in hand). */
  written?: (at: number, data: Uint8Array) => void,
): void {
  for (let piece = 0; piece < length; piece += COMMIT_PIECE) {
    const data = source(offset + piece, Math.min(COMMIT_PIECE, length - piece));
    for (let at = 0; at < data.length; at += WRITE_CHUNK) {
      const chunk = data.subarray(at, Math.min(data.length, at + WRITE_CHUNK));
      device.write(offset + piece + at, chunk);
      steps.step("write");
      wrote?.(chunk.length);
    }
    written?.(offset + piece, data);
  }
}

/** Progress of a commit in bytes: each changed byte written, then read back. */
export function commitProgress(files: FileChanges[], onProgress: ((done: number, total: number) => void) | undefined): (bytes: number) => void {
  if (!onProgress) return () => {};
  const total = 2 * files.reduce((sum, file) => sum + file.changes.reduce((fileSum, change) => fileSum + change.length, 0), 0);
  let done = 0;
  onProgress(0, total);
  return (bytes) => {
    done = Math.min(total, done + bytes);
    onProgress(done, total);
  };
}

/** The size of a host file or block device now (fstat says 0 for a device). */
export function hostSize(path: string): number {
  const device = new FileDevice(path);
  try {
    return device.size;
  } finally {
    device.close();
  }
}

/** Writes the changes to the host files, reads them back, and rolls back from memory on any failure. */
export function commit(imagePath: string, files: FileChanges[], steps: StepCounter, undo: WrittenUndo, progress: (bytes: number) => void, folder: string | undefined): void {
  for (const file of files) {
    const size = hostSize(file.path);
    if (size !== file.originalSize) {
      writeJournal(imagePath, "rolled-back", undo.path, folder);
      throw new RefusedError("image-changed", `${file.path} changed size while p2vfix was preparing the write (${file.originalSize} → ${size} bytes); nothing was written`, { path: file.path });
    }
  }
  const done: FileChanges[] = [];
  try {
    for (const file of files) {
      done.push(file);
      commitFile(file, steps, progress);
    }
  } catch (err) {
    rollBackAll(done, undo);
    writeJournal(imagePath, "rolled-back", undo.path, folder);
    throw err;
  }
}

/**
 * Writes one host file's changes and reads each piece back through a fresh handle (what the host
 * filesystem now holds) as soon as it is written, against the bytes still in hand: the overlay
 * (a spool file for large changes) is read once, not again for the read-back.
 */
function commitFile(fileChanges: FileChanges, steps: StepCounter, progress: (bytes: number) => void): void {
  const target = new FileDevice(fileChanges.path, { writable: true });
  try {
    if (fileChanges.newSize > fileChanges.originalSize) {
      target.resize(fileChanges.newSize);
      steps.step("resize");
    }
    // Opened after the file grew: a handle keeps the size it saw.
    const check = new FileDevice(fileChanges.path);
    try {
      writeAndReadBack(fileChanges, target, check, steps, progress);
    } finally {
      check.close();
    }
    if (fileChanges.newSize < fileChanges.originalSize) {
      target.resize(fileChanges.newSize);
      steps.step("resize");
    }
    const size = hostSize(fileChanges.path);
    if (size !== fileChanges.newSize) throw new VerifyError("readback-mismatch", `${fileChanges.path}: after the write the file is ${size} bytes, expected ${fileChanges.newSize}; the original bytes were restored`, { path: fileChanges.path, expected: fileChanges.newSize, actual: size });
    target.flush();
    steps.step("fsync");
  } finally {
    target.close();
  }
}

/** The changed ranges from the overlay to `target`, each piece read back through `check` and compared with the bytes meant. */
function writeAndReadBack(fileChanges: FileChanges, target: FileDevice, check: FileDevice, steps: StepCounter, progress: (bytes: number) => void): void {
  const piece = new Uint8Array(COMMIT_PIECE);
  const readBack = new Uint8Array(COMMIT_PIECE);
  let sinceWriteback = 0;
  const compare = (at: number, data: Uint8Array) => {
    check.readInto(at, readBack, 0, data.length);
    if (!sameBytes(readBack.subarray(0, data.length), data)) {
      throw new VerifyError("readback-mismatch", `${fileChanges.path}: reading back the ${data.length} bytes written at ${at} gives different bytes; the original bytes were restored`, { path: fileChanges.path, offset: at });
    }
    progress(data.length);
    // The dirty pages start for the disk while the copy goes on; the fsync after the last piece
    // (commitFile) makes them durable and reports a write error, before the journal may say "done".
    sinceWriteback += data.length;
    if (sinceWriteback >= WRITEBACK_EVERY) {
      target.startFlush();
      sinceWriteback = 0;
    }
  };
  for (const change of fileChanges.changes) copyRange(target, change.offset, change.length, (at, length) => (fileChanges.overlay.readInto(at, piece, 0, length), piece.subarray(0, length)), steps, progress, compare);
}

/** Rollback writes are not crash-test steps (they never were). */
const UNCOUNTED: StepCounter = { step() {}, count: 0, names: [] };

/**
 * Puts the original bytes back from the undo file (fsynced before the first write), piece by
 * piece; a zeroBefore range gets zeros (its bytes are not in the blob, which it does not advance).
 */
export function rollBackAll(files: FileChanges[], undo: WrittenUndo): void {
  const blobOffsets = blobLayout(files.map((file) => file.changes)).offsets;
  let saved: FileDevice | undefined;
  files.forEach((file, i) => {
    let target: FileDevice | undefined;
    try {
      saved ??= new FileDevice(undo.path);
      const blob = saved;
      target = new FileDevice(file.path, { writable: true });
      if (target.size < file.originalSize) target.resize(file.originalSize);
      file.changes.forEach((change, changeIndex) =>
        copyRange(target!, change.offset, change.beforeLength, (at, length) => (change.zeroBefore ? zeros(length) : blob.read(undo.blobStart + blobOffsets[i][changeIndex] + (at - change.offset), length)), UNCOUNTED),
      );
      if (target.size !== file.originalSize) target.resize(file.originalSize);
      target.flush();
    } catch (err) {
      throw new VerifyError("rollback-failed", `${file.path}: restoring the original bytes after a failed write failed too (${(err as Error).message}); run \`p2vfix undo\` on the image`, {
        path: file.path,
        cause: err instanceof P2vfixError ? err : undefined,
      });
    } finally {
      target?.close();
    }
  });
  (saved as FileDevice | undefined)?.close();
}
