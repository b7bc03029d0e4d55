/**
 * The safe write path. Every change to an image goes through here:
 *
 *   refuse if in use → writer lock → host files opened read-only, one OverlayDevice each →
 *   the container opened writable on the overlays → edits (nothing reaches the host) →
 *   verify: a fresh read-only stack on the overlays must show the intended result →
 *   undo file (original bytes, SHA-256 before/after) written and fsynced → journal "applying" →
 *   resizes and ranges written to the host files → read back and compare (the disk writes them
 *   meanwhile) → fsync (commit.ts) → journal "done".
 *
 * A failure before the journal says "applying" leaves the image untouched. A failure while
 * writing rolls back from the bytes in memory; a killed process is rolled back by
 * `p2vfix undo` (restore.ts) from the undo file.
 */
import { basename, dirname, join, resolve } from "node:path";
import { ImageError, RefusedError, VerifyError } from "../errors.js";
import { deviceCannotResize, FileDevice } from "../io/file-device.js";
import { isBlockDevicePath } from "../io/node-kind.js";
import { ensureSidecarFolder, sidecarFolder } from "./sidecar-folder.js";
import { SpoolOverlayDevice, openSpoolIn, type SpoolFile } from "../io/spool-overlay-device.js";
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { measureChanges } from "./change-map.js";
import { openContainer, type DiskImage } from "../vdisk/index.js";
import { privateModeFor } from "../io/safe-file.js";
import { openerWarnings } from "./open-by-others.js";
import { writeJournal } from "./journal.js";
import { acquireWriterLock, refuseIfInUse } from "./locks.js";
import { ReadOnlyView } from "./read-only-view.js";
import { writeUndoFileMeasured, type ImageIdentity, type MeasuredRange } from "./undo-file.js";
import { createStepCounter, type StepCounter } from "./steps.js";
import { commit, commitProgress, hostSize, rollBackAll, type FileChanges, type WrittenUndo } from "./commit.js";

export { WRITE_CHUNK } from "./commit.js";

export interface EditOutcome<T> {
  /** What was changed, for people and the undo file ("partition 2:Windows/System32/config/SYSTEM"). */
  changes: string[];
  /**
   * Called with the image reopened fresh, read-only, on the overlays ("staged"): throws
   * VerifyError when the result is not what was intended. Called again after the commit on the
   * real files ("committed"), when every written byte has also been read back and compared
   * with the overlay: a check that only re-reads bulk data may skip it then.
   */
  verify(fresh: DiskImage, stage?: "staged" | "committed"): void;
  result: T;
}

export interface TransactionOptions {
  /** Folder for the undo file (default: beside the image). */
  backupDir?: string;
  /** Stop after verify: report what would be written, write nothing. */
  dryRun?: boolean;
  /** Counts durable steps; the crash test kills the process after N of them (see steps.ts). */
  steps?: StepCounter;
  /**
   * Bytes of the commit done so far out of its total: every changed byte is written once and
   * read back once (total = twice the bytes written), monotonic, ending at total. Not called for
   * a dry run or when nothing changes. (Not `onProgress`: copy-in has its own by that name.)
   */
  onWriteProgress?: (done: number, total: number) => void;
}

export interface PlannedFile {
  path: string;
  originalSize: number;
  newSize: number;
  ranges: { offset: number; length: number }[];
}

export interface TransactionReport<T> {
  dryRun: boolean;
  image: string;
  format: string;
  changes: string[];
  files: PlannedFile[];
  bytesWritten: number;
  undoFile?: string;
  /** Processes that have a host file open without a lock (Linux /proc/PID/fd), warned about, not refused. */
  warnings?: string[];
  result: T;
}

export function imageIdentity(path: string): ImageIdentity {
  const st = statSync(path);
  return { path: resolve(path), size: st.isBlockDevice() ? hostSize(path) : st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino };
}

/** `IMAGE.<UTC time to the millisecond>[-n].p2vfix-undo`: names sort oldest to newest, and never collide. */
export function undoFilePath(imagePath: string, backupDir: string | undefined, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "");
  const dir = backupDir ?? dirname(resolve(imagePath));
  for (let n = 0; ; n++) {
    const path = join(dir, `${basename(imagePath)}.${stamp}${n ? `-${n}` : ""}.p2vfix-undo`);
    if (!existsSync(path)) return path;
  }
}

const REFUSED_OPEN_CODES: Record<string, string> = {
  "unsupported-log": "the VHDX log must be replayed first: start and shut down the VM once in Hyper-V, or run `qemu-img check -r all IMAGE`",
  "unsupported-differencing": "this is a differencing disk or snapshot: merge the chain into one image first (Hyper-V Edit Disk > Merge, `qemu-img convert`, `vmware-vdiskmanager -r`)",
  "unsupported-backing-file": "this qcow2 is an overlay on a backing file: merge it first (`qemu-img commit`, or `qemu-img convert` to a standalone image)",
};

/** Container states a writer must not build on, found among the reader's warnings. */
function refuseUncleanContainer(image: DiskImage, path: string): void {
  for (const warning of image.warnings) {
    if (/dirty bit is set/i.test(warning)) throw new RefusedError("qcow2-dirty", `${path}: ${warning}: run \`qemu-img check -r all ${path}\` first`, { path });
    if (/uncleanShutdown/i.test(warning)) throw new RefusedError("vmdk-unclean", `${path}: ${warning}: open and close the VM once in VMware, or repair the disk (vmware-vdiskmanager -R)`, { path });
  }
}

/** A spool file for an overlay's pages beside the undo file (tmpdir when that folder refuses). */
function openSpoolBeside(dir: string): SpoolFile {
  try {
    return openSpoolIn(dir);
  } catch (err) {
    if (err instanceof RefusedError) throw err;
    return openSpoolIn(tmpdir());
  }
}

/** One host file of the image during a transaction: the file read-only, and the overlay every write lands in. */
interface HostFile {
  path: string;
  base: FileDevice;
  overlay: SpoolOverlayDevice;
}

/** Host files by resolved path, opened on first use (the image itself, then VMDK extents as the descriptor names them). */
class HostFiles {
  private readonly byPath = new Map<string, HostFile>();
  /** `spoolDir`: where overlays put the pages that do not fit their memory budget. */
  constructor(private readonly spoolDir: string) {}
  get(path: string): HostFile {
    const key = resolve(path);
    let file = this.byPath.get(key);
    if (!file) {
      const base = new FileDevice(key);
      file = { path: key, base, overlay: new SpoolOverlayDevice(base, () => openSpoolBeside(this.spoolDir)) };
      this.byPath.set(key, file);
    }
    return file;
  }
  all(): HostFile[] {
    return [...this.byPath.values()];
  }
  close(): void {
    for (const value of this.byPath.values()) {
      value.overlay.dispose();
      value.base.close();
    }
  }
}

export function runTransaction<T>(imagePath: string, edit: (image: DiskImage) => EditOutcome<T>, options: TransactionOptions = {}): TransactionReport<T> {
  const steps = options.steps ?? createStepCounter();
  // Which host files make up the image, and whether it can be written at all, from a plain read-only open.
  // A block device's folder is /dev: its spool goes to the --backup-dir, or the temp folder for a dry run.
  const folder = options.dryRun ? options.backupDir : sidecarFolder(imagePath, options.backupDir);
  // A write makes its --backup-dir when missing; a dry run makes nothing and spools where it would without one.
  if (!options.dryRun) ensureSidecarFolder(options.backupDir);
  const usableBackupDir = options.backupDir !== undefined && existsSync(options.backupDir);
  const spoolDir = usableBackupDir ? options.backupDir! : isBlockDevicePath(imagePath) ? tmpdir() : dirname(resolve(imagePath));
  const probeFiles = new HostFiles(spoolDir);
  let files: string[];
  try {
    const image = openStack(probeFiles, imagePath, "read-only");
    files = image.files;
    refuseUncleanContainer(image, imagePath);
    image.close();
  } finally {
    probeFiles.close();
  }
  refuseIfInUse(files);
  const openerNotes = openerWarnings(files);
  const identity = imageIdentity(imagePath);
  const lock = options.dryRun ? undefined : acquireWriterLock(imagePath, folder);
  const hostFiles = new HostFiles(spoolDir);
  try {
    const image = openStack(hostFiles, imagePath, "overlay");
    let outcome: EditOutcome<T>;
    try {
      outcome = edit(image);
      image.device.flush();
    } finally {
      image.close();
    }
    // Verify on a fresh stack before a single byte reaches the host.
    const fresh = openStack(hostFiles, imagePath, "overlay-read-only");
    try {
      outcome.verify(fresh, "staged");
    } finally {
      fresh.close();
    }
    // The image itself first: undo maps the first entry to the image path it is given.
    const candidates = hostFiles.all().sort((a, b) => Number(b.path === resolve(imagePath)) - Number(a.path === resolve(imagePath)));
    // Before the undo file (and in a dry run, which must show what the write would do): a device cannot grow, so a container that allocated blocks at its end is refused here, nothing written.
    for (const hostFile of candidates) if (hostFile.base.isBlockDevice && hostFile.overlay.size !== hostFile.base.size) throw deviceCannotResize(hostFile.path, hostFile.base.size, hostFile.overlay.size);
    const changesOf = (hostFile: HostFile, changes: MeasuredRange[]): FileChanges => ({ path: hostFile.path, originalSize: hostFile.base.size, newSize: hostFile.overlay.size, changes, overlay: hostFile.overlay, base: hostFile.base });
    let perFile: FileChanges[];
    let written: { path: string; blobStart: number } | undefined;
    if (options.dryRun) {
      perFile = candidates.map((candidate) => changesOf(candidate, measureChanges(candidate.base, candidate.overlay))).filter((fileChanges) => fileChanges.changes.length > 0 || fileChanges.newSize !== fileChanges.originalSize);
    } else {
      // Measured while the undo file is written: each original byte read once.
      const path = undoFilePath(imagePath, options.backupDir);
      const measured = writeUndoFileMeasured(
        path,
        {
          image: identity,
          changes: outcome.changes,
          files: candidates.map((candidate) => {
            const stretches = candidate.overlay.stretches();
            return { path: candidate.path, originalSize: candidate.base.size, newSize: candidate.overlay.size, stretches: stretches.length, measure: (keep) => measureChanges(candidate.base, candidate.overlay, keep, stretches) };
          }),
        },
        privateModeFor(imagePath),
      );
      perFile = (measured?.files ?? []).map((file) => changesOf(candidates.find((candidate) => candidate.path === file.file.path)!, file.ranges));
      if (measured) written = { path, blobStart: measured.blobStart };
    }
    const report: TransactionReport<T> = {
      dryRun: Boolean(options.dryRun),
      image: resolve(imagePath),
      format: fresh.format,
      changes: outcome.changes,
      files: perFile.map((fileChanges) => ({ path: fileChanges.path, originalSize: fileChanges.originalSize, newSize: fileChanges.newSize, ranges: fileChanges.changes.map((change) => ({ offset: change.offset, length: change.length })) })),
      bytesWritten: perFile.reduce((sum, fileChanges) => sum + fileChanges.changes.reduce((fileSum, change) => fileSum + change.length, 0), 0),
      result: outcome.result,
      ...(openerNotes.length ? { warnings: openerNotes } : {}),
    };
    if (options.dryRun || !written) return report;
    const undoFile = written.path;
    const ordered = perFile;
    const blobStart = written.blobStart;
    steps.step("undo-file");
    const undo = { path: undoFile, blobStart };
    writeJournal(imagePath, "applying", undoFile, folder);
    steps.step("journal-applying");
    report.undoFile = undoFile;
    commit(imagePath, ordered, steps, undo, commitProgress(ordered, options.onWriteProgress), folder);
    // The same check as before the write, now through the real files: what the host holds must read back as intended.
    verifyCommitted(imagePath, outcome, ordered, undo, spoolDir, folder);
    writeJournal(imagePath, "done", undoFile, folder);
    steps.step("journal-done");
    return report;
  } finally {
    hostFiles.close();
    lock?.release();
  }
}

/**
 * Opens the container over the host files: "read-only" straight on the files, "overlay"
 * writable on their overlays, "overlay-read-only" a fresh reader on the overlays (verify).
 */
function openStack(files: HostFiles, imagePath: string, mode: "read-only" | "overlay" | "overlay-read-only"): DiskImage {
  const deviceOf = (path: string) => {
    const hostFile = files.get(path);
    return mode === "overlay" ? hostFile.overlay : new ReadOnlyView(mode === "read-only" ? hostFile.base : hostFile.overlay);
  };
  const writable = mode === "overlay";
  try {
    return openContainer(deviceOf(imagePath), imagePath, { writable, openExtent: (path) => deviceOf(path) });
  } catch (err) {
    if (err instanceof ImageError && REFUSED_OPEN_CODES[err.code]) {
      throw new RefusedError(err.code, `${err.message}: ${REFUSED_OPEN_CODES[err.code]}`, { path: imagePath, cause: err });
    }
    throw err;
  }
}

function verifyCommitted<T>(imagePath: string, outcome: EditOutcome<T>, files: FileChanges[], undo: WrittenUndo, spoolDir: string, folder: string | undefined): void {
  const committed = new HostFiles(spoolDir);
  try {
    const image = openStack(committed, imagePath, "read-only");
    try {
      outcome.verify(image, "committed");
    } finally {
      image.close();
    }
  } catch (err) {
    committed.close();
    rollBackAll(files, undo);
    writeJournal(imagePath, "rolled-back", undo.path, folder);
    const why = err instanceof Error ? err.message : String(err);
    throw new VerifyError("readback-mismatch", `${imagePath}: after the write, reading the image back did not give the intended result (${why}); the original bytes were restored`, { path: imagePath, cause: err });
  }
  committed.close();
}

