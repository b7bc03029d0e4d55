/**
 * The `p2vfix undo` command line that puts a write back, as the commands print it. Its own
 * module so a command that only prints it (`cp`, `mkdir`, `rm`) does not load apply-run.ts's
 * plan machinery (yaml, the first-boot steps, drivers) for one sentence.
 */
import { dirname } from "node:path";
import { shellQuote } from "../apply/locks.js";
import { isBlockDevicePath } from "../io/node-kind.js";

/** The command that undoes a write: a block device's needs the folder its undo file is in. */
export function undoCommand(image: string, undoFile: string | undefined): string {
  return undoCommandWithFolder(image, undoFile === undefined ? undefined : dirname(undoFile));
}

/** The same, given the --backup-dir the write used (a block device's undo files are there). */
export function undoCommandWithFolder(image: string, folder: string | undefined): string {
  return `p2vfix undo ${shellQuote(image)}${folder && isBlockDevicePath(image) ? ` --backup-dir ${shellQuote(folder)}` : ""}`;
}
