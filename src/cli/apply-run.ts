/**
 * What `apply` and `fix` share around the library's applyPlan: the writer lock taken before
 * the image is read (a second writer is told "in use", never shown a half-written image), the
 * read-only refusal, and after a failure a sentence saying what became of the image.
 */
import { existsSync, statSync } from "node:fs";
import { acquireWriterLock, shellQuote } from "../apply/locks.js";
import { readJournal } from "../apply/journal.js";
import { refuseReadOnlyImage } from "../apply/preflight.js";
import { P2vfixError } from "../errors.js";
import { applyPlan, type ApplyOptions, type ApplyReport } from "../plan/apply.js";
import type { PlanFile } from "../plan/schema.js";
import { toIoError } from "./io-errors.js";

function journalSnapshot(target: string): string {
  try {
    return JSON.stringify(readJournal(target) ?? null);
  } catch {
    return "unreadable";
  }
}

/** What happened to the image, from its journal before and after the failed run. */
function imageFate(target: string, before: string): string {
  const after = journalSnapshot(target);
  if (after === before) return "the image was not changed (the failure came before any write to it)";
  let state: string | undefined;
  try {
    state = readJournal(target)?.state;
  } catch {
    state = undefined;
  }
  if (state === "rolled-back") return "the image was rolled back to its original bytes";
  if (state === "done") return "the image was written completely; the failure came after";
  return `the image may be partly written: run \`p2vfix undo ${shellQuote(target)}\` to restore it`;
}

/** applyPlan with the CLI's safety around it (see the module comment). */
export function runApply(target: string, plan: PlanFile, options: ApplyOptions & { force?: boolean }): ApplyReport {
  const isFile = existsSync(target) && statSync(target).isFile();
  if (options.dryRun || !isFile) return applyPlan(target, plan, options);
  refuseReadOnlyImage(target, options.force === true);
  const lock = acquireWriterLock(target);
  const before = journalSnapshot(target);
  try {
    return applyPlan(target, plan, options);
  } catch (err) {
    const typed = err instanceof P2vfixError ? err : toIoError(err);
    // Refusals and verify errors say what became of the image themselves.
    if (typed && typed.exitCode !== 4 && !/restored|nothing was written/.test(typed.message)) typed.message += `; ${imageFate(target, before)}`;
    throw typed ?? err;
  } finally {
    lock.release();
  }
}
