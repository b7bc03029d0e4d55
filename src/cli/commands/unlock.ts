/**
 * `p2vfix unlock IMAGE [--force]`: explains the writer lock beside an image (who holds it,
 * since when) and removes it when its owner is gone. A lock whose process still runs is never
 * removed; one that names no owner or another host is removed only with --force.
 */
import type { Command } from "commander";
import { describeLock, readWriterLock, removeWriterLock, writerLockPath } from "../../apply/locks.js";
import type { Output } from "../output.js";

export function registerUnlock(program: Command, output: Output): void {
  program
    .command("unlock")
    .description("Explain the p2vfix writer lock beside an image (IMAGE.p2vfix.lock) and remove it when its owner is gone")
    .argument("<image>", "the disk image (or hive file) the lock belongs to")
    .option("--force", "also remove a lock that names no owner, or an owner on another host (make sure no p2vfix runs there)")
    .option("--backup-dir <dir>", "a block device: the folder its lock is in (the --backup-dir of the write)")
    .addHelpText(
      "after",
      `
Examples:
  p2vfix unlock disk.qcow2           # who holds the lock; removed if that process is gone
  p2vfix unlock disk.qcow2 --force   # an empty lock (a run stopped by a full disk) or another host's`,
    )
    .action((image: string, opts: { force?: boolean; backupDir?: string }) => {
      const info = readWriterLock(image, opts.backupDir);
      if (!info) {
        output.out(`no p2vfix lock on ${image} (${writerLockPath(image, opts.backupDir)} does not exist)\n`);
        return;
      }
      output.out(`${describeLock(image, info)}\n`);
      removeWriterLock(image, opts.force === true, opts.backupDir);
      output.out(`removed ${info.path}\n`);
    });
}
