/**
 * What `apply` and `fix` share around the library's applyPlan: the writer lock taken before
 * the image is read (a second writer is told "in use", never shown a half-written image), the
 * read-only refusal, and after a failure a sentence saying what became of the image.
 */
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { acquireWriterLock, type WriterLock } from "../apply/locks.js";
import { readJournal } from "../apply/journal.js";
import { refuseReadOnlyImage } from "../apply/preflight.js";
import { P2vfixError } from "../errors.js";
import { hostFileKind } from "../image/host-file-kind.js";
import { undoCommandWithFolder } from "./undo-command.js";
import { applyPlan, type ApplyOptions, type ApplyReport } from "../plan/apply.js";
import type { PlanFile } from "../plan/schema.js";
import { toIoError } from "./io-errors.js";

/** A hive file is replaced by rename with HIVE.bak kept; the read-only guard is for disk images written in place. */
export function guardReadOnly(target: string, force: boolean): void {
  if (hostFileKind(target) !== "hive") refuseReadOnlyImage(target, force);
}

function journalSnapshot(target: string, folder: string | undefined): string {
  try {
    return JSON.stringify(readJournal(target, folder) ?? null);
  } catch {
    return "unreadable";
  }
}

/** What happened to the image, from its journal before and after the failed run. */
function imageFate(target: string, before: string, folder: string | undefined): string {
  const after = journalSnapshot(target, folder);
  if (after === before) return "the image was not changed (the failure came before any write to it)";
  let state: string | undefined;
  try {
    state = readJournal(target, folder)?.state;
  } catch {
    state = undefined;
  }
  if (state === "rolled-back") return "the image was rolled back to its original bytes";
  if (state === "done") return "the image was written completely; the failure came after";
  return `the image may be partly written: run \`${undoCommandWithFolder(target, folder)}\` to restore it`;
}

/** The writer lock; a system error taking it (a full disk) is typed and says the image was not touched. */
export function lockImage(target: string, folder?: string): WriterLock {
  try {
    return acquireWriterLock(target, folder);
  } catch (err) {
    if (err instanceof P2vfixError) throw err;
    const typed = toIoError(err, `the image's folder (${dirname(target)}), writing the lock file`);
    if (!typed) throw err;
    typed.message += "; the image was not changed";
    throw typed;
  }
}

/** applyPlan with the CLI's safety around it (see the module comment). */
export function runApply(target: string, plan: PlanFile, options: ApplyOptions & { force?: boolean }): ApplyReport {
  const st = existsSync(target) ? statSync(target) : undefined;
  const inPlace = st !== undefined && (st.isFile() || st.isBlockDevice());
  if (options.dryRun || !inPlace) return applyPlan(target, plan, options);
  guardReadOnly(target, options.force === true);
  const folder = options.image?.backupDir;
  const before = journalSnapshot(target, folder);
  let lock: WriterLock | undefined;
  try {
    lock = lockImage(target, folder);
    return applyPlan(target, plan, options);
  } catch (err) {
    const folders = options.image?.backupDir ? `${dirname(target)} or ${options.image.backupDir}` : dirname(target);
    const typed = err instanceof P2vfixError ? err : toIoError(err, `the image's folder (${folders})`);
    // Refusals and verify errors say what became of the image themselves.
    if (typed && typed.exitCode !== 4 && typed.exitCode !== 2 && !/restored|nothing was written|image was not changed/.test(typed.message)) typed.message += `; ${imageFate(target, before, folder)}`;
    throw typed ?? err;
  } finally {
    lock?.release();
  }
}
