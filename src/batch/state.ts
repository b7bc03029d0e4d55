/**
 * The wave's state folder (`batch --state DIR`): per image a folder `NAME-HASH/` holding the
 * plan that was applied (`plan.yaml`), its log (`log.txt`, appended per attempt) and its latest
 * record (`result.json`, replaced atomically); `results.jsonl` beside them holds the wave's
 * records, one JSON line per image, written at the end of a wave run. Every file is created by
 * p2vfix itself (src/io/safe-file.ts): a planted symlink is refused, never followed.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { RefusedError } from "../errors.js";
import { createExclusive, refuseUnsafeTarget, replaceFileSafely, writeAll } from "../io/safe-file.js";
import { readJsonRecord } from "../util/json-record.js";

export const RECORD_STATUSES = ["done", "skipped", "failed", "running", "dry-run"] as const;

export const ImageRecord = z.object({
  index: z.number().int(),
  image: z.string(),
  line: z.number().int(),
  status: z.enum(RECORD_STATUSES),
  attempt: z.number().int(),
  /** SHA-256 of what the inventory asks for this image (target, MACs, VM, profile, files...). */
  requestSha256: z.string(),
  imageSha256Before: z.string().optional(),
  imageSha256After: z.string().optional(),
  /** Problems and warnings (finding ids) before the apply and after it. */
  findingsBefore: z.array(z.string()).default([]),
  findingsAfter: z.array(z.string()).default([]),
  undoFile: z.string().nullable().default(null),
  filesUndoFile: z.string().nullable().default(null),
  driversUndoFile: z.string().nullable().default(null),
  bytesWritten: z.number().default(0),
  plan: z.string().nullable().default(null),
  log: z.string().nullable().default(null),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  seconds: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string(), exitCode: z.number().int() }).optional(),
  notes: z.array(z.string()).default([]),
  /** Peak resident memory of the worker process that ran this attempt (KiB), for sizing pods. */
  peakRssKiB: z.number().optional(),
  /** Undo files beside the image when this attempt started: one it leaves behind unused is told apart from the user's own. */
  undoFilesBefore: z.array(z.string()).default([]),
});
export type ImageRecord = z.infer<typeof ImageRecord>;

/** A new attempt's record: nothing found and nothing written yet. */
export function newRecord(job: { index: number; image: string; line: number; requestSha256: string }, attempt: number, startedAt: Date): ImageRecord {
  const { index, image, line, requestSha256 } = job;
  return { index, image, line, status: "running", attempt, requestSha256, findingsBefore: [], findingsAfter: [], undoFile: null, filesUndoFile: null, driversUndoFile: null, bytesWritten: 0, plan: null, log: null, startedAt: startedAt.toISOString(), notes: [], undoFilesBefore: [] };
}

/** A record is a few KiB; a bigger result.json was not written by p2vfix. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** Refuses `path` unless it is a real folder (not a symlink to one). */
function requireFolder(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new RefusedError("state-not-a-folder", `${path} is ${st.isSymbolicLink() ? "a symbolic link" : "not a folder"}: the state folder and its image folders must be real folders`, { path });
}

function makeFolder(path: string, recursive: boolean): void {
  try {
    mkdirSync(path, { recursive, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  requireFolder(path);
}

/** `srv01.qcow2-1a2b3c4d5e6f`: readable, and unique per image path. */
export function imageKey(imagePath: string): string {
  const name = basename(imagePath).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
  return `${name}-${createHash("sha256").update(resolve(imagePath)).digest("hex").slice(0, 12)}`;
}

export class StateDir {
  readonly path: string;

  private constructor(path: string) {
    this.path = resolve(path);
  }

  /** Creates the folder (0700) when missing; refuses a symlink or a file there. */
  static open(path: string): StateDir {
    makeFolder(path, true);
    return new StateDir(path);
  }

  /** An existing state folder, for reading (`batch report`). */
  static existing(path: string): StateDir {
    requireFolder(path);
    return new StateDir(path);
  }

  imageDir(imagePath: string): string {
    const dir = join(this.path, imageKey(imagePath));
    makeFolder(dir, false);
    return dir;
  }

  readRecord(imageDir: string): ImageRecord | undefined {
    const path = join(imageDir, "result.json");
    try {
      lstatSync(path);
    } catch {
      return undefined;
    }
    return readJsonRecord(path, { schema: ImageRecord, maxBytes: MAX_RECORD_BYTES, what: "a record p2vfix wrote", refuse: (message, cause) => new RefusedError("state-bad-record", message, { path, cause }) });
  }

  writeRecord(imageDir: string, record: ImageRecord): void {
    replaceFileSafely(join(imageDir, "result.json"), Buffer.from(`${JSON.stringify(record, null, 2)}\n`));
  }

  writePlan(imageDir: string, yaml: string): string {
    const path = join(imageDir, "plan.yaml");
    replaceFileSafely(path, Buffer.from(yaml));
    return path;
  }

  /** Appends to the image's log; the log file is created exclusively the first time, and never followed when it is a link. */
  appendLog(imageDir: string, text: string): string {
    const path = join(imageDir, "log.txt");
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        refuseUnsafeTarget(path);
        throw err;
      }
      fd = createExclusive(path, 0o600);
    }
    try {
      writeAll(fd, Buffer.from(text));
    } finally {
      closeSync(fd);
    }
    return path;
  }

  /** The wave's records, one JSON line per image, replacing the last wave's file. */
  writeWave(records: ImageRecord[]): string {
    const path = join(this.path, "results.jsonl");
    replaceFileSafely(path, Buffer.from(records.map((record) => JSON.stringify(record)).join("\n") + (records.length ? "\n" : "")));
    return path;
  }

  /** Every image's latest record, in inventory order (`batch report`). */
  records(): ImageRecord[] {
    const out: ImageRecord[] = [];
    for (const name of readdirSync(this.path).sort()) {
      const dir = join(this.path, name);
      const st = lstatSync(dir);
      if (!st.isDirectory()) continue;
      const record = this.readRecord(dir);
      if (record) out.push(record);
    }
    return out.sort((a, b) => a.index - b.index || a.image.localeCompare(b.image));
  }
}

