/**
 * `p2vfix undo`: puts an image back from an undo file, byte for byte, and rolls back an apply
 * that was cut off half way (journal "applying").
 *
 * Each range is looked at first: holding the "after" bytes (the apply finished: restore it),
 * the "before" bytes (already original: nothing to do), or anything else (someone else wrote
 * there since, or the write was torn). A third state is refused unless --force, except after
 * a cut-off apply, where torn ranges are expected and restored.
 */
import { existsSync, lstatSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { NotFoundError, RefusedError, VerifyError } from "../errors.js";
import { openImage } from "../vdisk/index.js";
import { FileDevice } from "../io/file-device.js";
import { readJournal, writeJournal, type JournalState } from "./journal.js";
import { acquireWriterLock, refuseIfInUse } from "./locks.js";
import { createStepCounter, type StepCounter } from "./steps.js";
import { createHash } from "node:crypto";
import { readUndoFile, type UndoFile, type UndoFileEntry } from "./undo-file.js";
import { WRITE_CHUNK } from "./commit.js";
import { sidecarFolder } from "./sidecar-folder.js";
import { isAllZeroBytes } from "../util/zero-bytes.js";

export type RangeState = "after" | "before" | "other";

export interface UndoOptions {
  /** Undo file to use (default: the one the journal names, else the newest beside the image). */
  undoFile?: string;
  /** A block device's folder of undo files, journal and lock (`--backup-dir`, required for a device; sidecar-folder.ts). */
  backupDir?: string;
  /** Restore even ranges that hold neither the before nor the after bytes. */
  force?: boolean;
  /** Only report what would be restored. */
  dryRun?: boolean;
  steps?: StepCounter;
  /** Original bytes written back so far out of their total: monotonic, ending at total. */
  onProgress?: (done: number, total: number) => void;
}

export interface UndoReport {
  undoFile: string;
  /** Journal state found before the undo (undefined: no journal). */
  journalState?: JournalState;
  action: "restored" | "rolled-back" | "nothing-to-do" | "would-restore";
  files: { path: string; currentSize: number; originalSize: number; newSize: number; ranges: { offset: number; length: number; state: RangeState }[] }[];
  bytesRestored: number;
  warnings: string[];
}

/** The `IMAGE.*.p2vfix-undo` files of `imagePath` in `dir`, newest first (their names carry the time). */
function undoFilesIn(dir: string, imagePath: string): string[] {
  const prefix = `${basename(imagePath)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((fileName) => fileName.startsWith(prefix) && fileName.endsWith(".p2vfix-undo"))
    .sort()
    .reverse()
    .map((fileName) => join(dir, fileName));
}

/** The `IMAGE.*.p2vfix-undo` files beside the image (a block device's: in its folder), newest first. */
export function undoFilesBeside(imagePath: string, folder?: string): string[] {
  return undoFilesIn(sidecarFolder(imagePath, folder) ?? dirname(resolve(imagePath)), imagePath);
}

/** The newest `IMAGE.*.p2vfix-undo` beside the image. */
export function findLatestUndoFile(imagePath: string, folder?: string): string | undefined {
  return undoFilesBeside(imagePath, folder)[0];
}

/**
 * The undo file `p2vfix undo IMAGE` uses: the journal's, unless that one was already undone;
 * then the newest older one beside the image whose changes are still in the image. Undoing
 * again and again so walks back through the applies, newest first.
 */
function chooseUndoFile(imagePath: string, journalFile: string | undefined, journalUndone: boolean, folder: string | undefined): string | undefined {
  if (journalFile) checkJournalUndoName(imagePath, journalFile);
  if (journalFile && !journalUndone && existsSync(journalFile)) return journalFile;
  // After an undo, only applies made before the one undone are candidates: beside the image, and
  // for an image file also in the --backup-dir given and in the folder the journal's undo file is
  // in (a write with --backup-dir kept its undo file there, the journal beside the image).
  const places = new Set([sidecarFolder(imagePath, folder) ?? dirname(resolve(imagePath))]);
  if (folder !== undefined) places.add(resolve(folder));
  if (journalFile) places.add(dirname(resolve(journalFile)));
  const newestFirst = [...places].flatMap((dir) => undoFilesIn(dir, imagePath)).sort((a, b) => (basename(a) < basename(b) ? 1 : basename(a) > basename(b) ? -1 : 0));
  const older = newestFirst.filter((undoFile) => !journalFile || !journalUndone || basename(undoFile) < basename(journalFile));
  for (const candidate of older) {
    try {
      const undo = readUndoFile(candidate);
      try {
        const paths = hostPathsOf(imagePath, undo, candidate);
        if (undo.header.files.some((entry, i) => needsRestore(paths[i], entry))) return candidate;
      } finally {
        undo.close();
      }
    } catch {
      // A damaged or foreign file is not a candidate; naming it explicitly reports why.
    }
  }
  return journalFile && existsSync(journalFile) ? journalFile : older[0];
}

function needsRestore(path: string, entry: UndoFileEntry): boolean {
  const device = new FileDevice(path);
  try {
    return device.size !== entry.originalSize || entry.ranges.some((range) => rangeState(device, range) !== "before");
  } finally {
    device.close();
  }
}

/**
 * The journal is a file anyone who can write the image's folder can plant: the undo file it
 * names is only taken when it is a regular file (no link, no device or pipe) named like the
 * undo files of this image, `IMAGE.*.p2vfix-undo` (beside it, or in the --backup-dir; a block
 * device's `DEVICE.*.p2vfix-undo` in its --backup-dir).
 */
function checkJournalUndoName(imagePath: string, journalFile: string): void {
  const name = basename(journalFile);
  const prefix = `${basename(imagePath)}.`;
  let regular = true;
  try {
    regular = lstatSync(journalFile).isFile();
  } catch {
    // missing: chooseUndoFile falls back to the files beside the image
  }
  if (!name.startsWith(prefix) || !name.endsWith(".p2vfix-undo") || !regular) {
    throw new RefusedError("journal-foreign-path", `the journal of ${imagePath} names ${journalFile}, which is not an undo file of this image (${prefix}*.p2vfix-undo, a regular file): refused; give the undo file on the command line if it is yours`, {
      path: journalFile,
    });
  }
}

/**
 * Where each undo entry is restored to, never taken from the undo file: the first entry is the
 * image the user named; every other one must be a file that opening the image itself names (a
 * VMDK extent, which the descriptor reader already keeps beside the descriptor), matched by
 * name. An undo file naming anything else (a host file, a path outside the image's folder) is
 * refused before anything is written.
 */
export function hostPathsOf(imagePath: string, undo: UndoFile, undoPath: string): string[] {
  const entries = undo.header.files;
  if (entries.length <= 1) return entries.map(() => imagePath);
  let imageFiles: string[];
  try {
    const image = openImage(imagePath);
    imageFiles = image.files.slice(1);
    image.close();
  } catch (err) {
    throw new RefusedError("undo-foreign-path", `${undoPath} restores ${entries.length - 1} file(s) besides ${imagePath}, but the image cannot be opened to check that they belong to it (${(err as Error).message})`, {
      path: undoPath,
      cause: err,
    });
  }
  const used = new Set<string>();
  return entries.map((entry, i) => {
    if (i === 0) return imagePath;
    const match = imageFiles.find((imageFile) => basename(imageFile) === basename(entry.path));
    if (!match || used.has(match) || !lstatSync(match).isFile()) {
      throw new RefusedError("undo-foreign-path", `${undoPath} names ${entry.path}, which is not a file of the image ${imagePath} (its files: ${[imagePath, ...imageFiles].join(", ")}): refused, nothing written`, {
        path: undoPath,
      });
    }
    used.add(match);
    return match;
  });
}

/** Bytes read at a time while hashing or restoring a range: memory stays this size whatever the range. */
const PIECE = 1 << 20;

/** One buffer for every piece read while hashing or restoring (allocating one per piece grows the peak RSS by V8's collection lag). */
let pieceBuffer: Uint8Array | undefined;
const piece = (): Uint8Array => (pieceBuffer ??= new Uint8Array(PIECE));

/** SHA-256 of `length` bytes of the file at `offset`, read piece by piece. */
function sha256Of(device: FileDevice, offset: number, length: number): string {
  const hash = createHash("sha256");
  const buffer = piece();
  for (let at = 0; at < length; at += PIECE) {
    const count = Math.min(PIECE, length - at);
    device.readInto(offset + at, buffer, 0, count);
    hash.update(buffer.subarray(0, count));
  }
  return hash.digest("hex");
}

/** Whether `length` bytes of the file at `offset` are all zero, read piece by piece. */
function isZeroAt(device: FileDevice, offset: number, length: number): boolean {
  const buffer = piece();
  for (let at = 0; at < length; at += PIECE) {
    const count = Math.min(PIECE, length - at);
    device.readInto(offset + at, buffer, 0, count);
    if (!isAllZeroBytes(buffer.subarray(0, count))) return false;
  }
  return true;
}

type UndoRange = UndoFileEntry["ranges"][number];

/** Whether the file holds the range's original bytes: by their SHA-256, or all zero for a zeroBefore range (undo format version 2). */
function holdsBefore(device: FileDevice, range: UndoRange): boolean {
  return range.zeroBefore ? isZeroAt(device, range.offset, range.beforeLength) : sha256Of(device, range.offset, range.beforeLength) === range.sha256Before;
}

function rangeState(device: FileDevice, range: UndoRange): RangeState {
  if (range.offset >= device.size) return range.beforeLength === 0 ? "before" : "other"; // past the end: the file is (back) at a smaller size
  const available = Math.max(0, Math.min(range.length, device.size - range.offset));
  if (available === range.length && sha256Of(device, range.offset, range.length) === range.sha256After) return "after";
  if (available >= range.beforeLength && holdsBefore(device, range)) return "before";
  return "other";
}

export function undoApply(imagePath: string, options: UndoOptions = {}): UndoReport {
  const steps = options.steps ?? createStepCounter();
  if (!existsSync(imagePath)) throw new NotFoundError("not-found", `${imagePath} does not exist`, { path: imagePath });
  const folder = options.backupDir;
  const journal = readJournal(imagePath, folder);
  const journalDone = journal !== undefined && (journal.state === "undone" || journal.state === "rolled-back");
  const undoPath = options.undoFile ?? chooseUndoFile(imagePath, journal?.undoFile, journalDone, folder);
  if (!undoPath) {
    const why = journal?.state === "applying" ? " (the journal says an apply was cut off before its undo file was complete: the image was not written yet)" : "";
    throw new NotFoundError("no-undo-file", `no undo file for ${imagePath} ${folder && sidecarFolder(imagePath, folder) ? `in ${folder}` : "beside it"}${why}; give its path: p2vfix undo IMAGE UNDOFILE`, { path: imagePath });
  }
  const undo = readUndoFile(undoPath);
  try {
    return undoWith(imagePath, undo, undoPath, journal, options, steps);
  } finally {
    undo.close();
  }
}

function undoWith(imagePath: string, undo: UndoFile, undoPath: string, journal: ReturnType<typeof readJournal>, options: UndoOptions, steps: StepCounter): UndoReport {
  const folder = options.backupDir;
  const torn = journal?.state === "applying" && resolve(journal.undoFile) === resolve(undoPath);
  const warnings: string[] = [];
  const st = statSync(imagePath);
  if (st.ino !== undo.header.image.ino || st.dev !== undo.header.image.dev) {
    warnings.push(`${imagePath} is not the same file the undo file was made for (${undo.header.image.path}, inode ${undo.header.image.ino}); every range is still checked by SHA-256`);
  }

  const report: UndoReport = { undoFile: undoPath, action: "nothing-to-do", files: [], bytesRestored: 0, warnings };
  if (journal) report.journalState = journal.state;
  const paths = hostPathsOf(imagePath, undo, undoPath);
  const entries = undo.header.files.map((entry, i) => ({ entry, path: paths[i] }));
  let needsWork = false;
  let unexpected: string | undefined;
  for (const { entry, path } of entries) {
    const device = new FileDevice(path);
    try {
      const ranges = entry.ranges.map((range) => ({ offset: range.offset, length: range.length, state: rangeState(device, range) }));
      report.files.push({ path, currentSize: device.size, originalSize: entry.originalSize, newSize: entry.newSize, ranges });
      if (device.size !== entry.originalSize || ranges.some((range) => range.state !== "before")) needsWork = true;
      const other = ranges.find((range) => range.state === "other");
      if (other && !unexpected) unexpected = `${path}: the ${other.length} bytes at offset ${other.offset} are neither the original nor what p2vfix wrote`;
      if (!unexpected && device.size !== entry.originalSize && device.size !== entry.newSize) {
        unexpected = `${path} is ${device.size} bytes: neither its original size ${entry.originalSize} nor the size p2vfix left it at (${entry.newSize})`;
      }
    } finally {
      device.close();
    }
  }
  if (!needsWork) {
    if (torn && !options.dryRun) writeJournal(imagePath, "rolled-back", undoPath, folder);
    return report;
  }
  if (unexpected && !torn && !options.force) {
    throw new RefusedError("undo-unexpected-state", `${unexpected}: the image was changed after p2vfix wrote it (booted, or edited by another tool). Restoring would mix old and new data; run again with --force to restore the original bytes anyway`, {
      path: imagePath,
    });
  }
  if (options.dryRun) {
    report.action = "would-restore";
    return report;
  }
  refuseIfInUse(entries.map((entry) => entry.path));
  const lock = acquireWriterLock(imagePath, folder);
  try {
    const total = entries.reduce((sum, { entry }) => sum + entry.ranges.reduce((rangeSum, range) => rangeSum + range.beforeLength, 0), 0);
    options.onProgress?.(0, total);
    const restored = (bytes: number) => options.onProgress?.(Math.min(total, (report.bytesRestored += bytes)), total);
    for (const { entry, path } of entries) restoreFile(path, entry, undo, steps, restored);
    writeJournal(imagePath, torn ? "rolled-back" : "undone", undoPath, folder);
    steps.step("journal");
  } finally {
    lock.release();
  }
  report.action = torn ? "rolled-back" : "restored";
  return report;
}

function restoreFile(path: string, entry: UndoFileEntry, undo: UndoFile, steps: StepCounter, restored: (bytes: number) => void): void {
  const device = new FileDevice(path, { writable: true });
  try {
    // Back to at least the original size first, so every original range has a place to go.
    if (device.size < entry.originalSize) {
      device.resize(entry.originalSize);
      steps.step("resize");
    }
    for (const range of entry.ranges) {
      for (let from = 0; from < range.beforeLength; from += PIECE) {
        const before = undo.readBefore(range, from, Math.min(PIECE, range.beforeLength - from), piece());
        for (let at = 0; at < before.length; at += WRITE_CHUNK) {
          const chunk = before.subarray(at, Math.min(before.length, at + WRITE_CHUNK));
          device.write(range.offset + from + at, chunk);
          steps.step("write");
          restored(chunk.length);
        }
      }
    }
    if (device.size !== entry.originalSize) {
      device.resize(entry.originalSize);
      steps.step("resize");
    }
    // The disk writes the bytes while they are checked (from the page cache either way); the fsync after makes them durable.
    device.startFlush();
    try {
      checkRestored(path, entry);
    } finally {
      device.flush();
      steps.step("fsync");
    }
  } finally {
    device.close();
  }
}

/** Reads the restored file back through a fresh handle: its original size, and every range's original SHA-256 (zeros for a zeroBefore one). */
function checkRestored(path: string, entry: UndoFileEntry): void {
  const check = new FileDevice(path);
  try {
    if (check.size !== entry.originalSize) throw new VerifyError("undo-verify-failed", `${path}: after the undo the file is ${check.size} bytes, expected ${entry.originalSize}`, { path, expected: entry.originalSize, actual: check.size });
    for (const range of entry.ranges) {
      if (range.beforeLength === 0) continue; // past the original end: gone with the truncation checked above
      if (!holdsBefore(check, range)) {
        throw new VerifyError("undo-verify-failed", `${path}: after the undo the bytes at ${range.offset} do not match the original SHA-256`, { path, offset: range.offset });
      }
    }
  } finally {
    check.close();
  }
}
