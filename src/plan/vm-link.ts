/**
 * Unplugging the new NIC in the VM definition at apply, and plugging it back at undo. The VM
 * file is saved atomically with FILE.bak (vmconfig); what apply changed is recorded in a
 * sidecar beside the target, `TARGET.p2vfix-vm.json` (a block device's: in its --backup-dir), which `restoreVmLinks` (called by
 * `p2vfix undo`) reads to set the link back and then removes.
 */
import { existsSync, lstatSync, realpathSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { PlanError, RefusedError } from "../errors.js";
import { privateModeFor, replaceFileSafely } from "../io/safe-file.js";
import { readJsonRecord } from "../util/json-record.js";
import { sidecarPath } from "../apply/sidecar-folder.js";
import { openVmConfig } from "../vmconfig/index.js";
import type { NicSelector } from "../vmconfig/types.js";
import type { VmLinkChange } from "../changes/change.js";

const Sidecar = z.object({
  version: z.literal(1),
  vmFile: z.string(),
  /** NICs whose link apply changed, with the state they had. */
  nics: z.array(z.object({ index: z.number(), mac: z.string().optional(), wasConnected: z.boolean() })),
});
export type VmSidecar = z.infer<typeof Sidecar>;

/** `folder`: a block device's folder for its files (sidecar-folder.ts), required for one. */
export function vmSidecarPath(target: string, folder?: string): string {
  return sidecarPath(resolve(target), ".p2vfix-vm.json", folder);
}

export interface VmLinkOutcome {
  /** One line for a person. */
  summary: string;
  changed: number;
  /** Commands to run instead (Hyper-V, or a VM that is running). */
  commands: string[];
}

function selectorOf(change: VmLinkChange): NicSelector {
  if (change.nic.all) return { all: true };
  if (change.nic.mac) return { mac: change.nic.mac };
  if (change.nic.index !== undefined) return { nic: change.nic.index };
  return {};
}

/** Sets the link as the plan says; with dryRun only reports. Records the old state in the target's sidecar. */
export function applyVmLink(change: VmLinkChange, target: string, dryRun: boolean, folder?: string): VmLinkOutcome {
  const config = openVmConfig(change.file);
  const selector = selectorOf(change);
  const running = config.running();
  if (!config.editable || running.running === true) {
    const commands = config.liveCommand(selector, change.up);
    return { summary: `${config.editable ? `the VM is running (${running.evidence})` : `${config.format} has no file to edit`}: run ${commands.join(" ; ")}`, changed: 0, commands };
  }
  const before = new Map(config.nics().map((nic) => [nic.index, nic.connected]));
  const edit = config.setLink(selector, change.up);
  if (edit.changed.length === 0) return { summary: `already ${change.up ? "plugged" : "unplugged"}`, changed: 0, commands: [] };
  const summary = edit.changed.map((nicChange) => `${nicChange.nic.id}${nicChange.nic.mac ? ` (${nicChange.nic.mac})` : ""}: ${change.up ? "plugged" : "unplugged"}${nicChange.line ? ` (line ${nicChange.line})` : ""}`).join(", ");
  if (dryRun) return { summary: `would be ${summary}`, changed: edit.changed.length, commands: [] };
  const recordPath = vmSidecarPath(target, folder);
  const sidecar: VmSidecar = {
    version: 1,
    vmFile: resolve(change.file),
    nics: edit.changed.map((nicChange) => ({ index: nicChange.nic.index, ...(nicChange.nic.mac ? { mac: nicChange.nic.mac } : {}), wasConnected: before.get(nicChange.nic.index) ?? true })),
  };
  // The record goes first: a crash after saving the VM file still leaves undo able to plug back.
  replaceFileSafely(recordPath, new TextEncoder().encode(JSON.stringify(sidecar, null, 2) + "\n"), { mode: privateModeFor(target) });
  config.save({ backup: true });
  return { summary, changed: edit.changed.length, commands: [] };
}

/** A sidecar is a few hundred bytes; anything larger was not written by p2vfix. */
const MAX_SIDECAR = 1024 * 1024;

function readSidecar(path: string): VmSidecar {
  return readJsonRecord(path, { schema: Sidecar, maxBytes: MAX_SIDECAR, what: "a p2vfix VM link record", refuse: (message, cause) => new PlanError("bad-vm-sidecar", message, { path, cause }) });
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/**
 * The sidecar sits beside the image, where others may write: the VM definition it names is only
 * edited when the user names the same file again (`undo --vm FILE`), or when it lies in the
 * image's own folder and lists the image among its disks. A symbolic link is never edited.
 */
function confirmVmFile(target: string, recorded: string, given: string | undefined, backupDir: string | undefined): void {
  const refuse = (why: string) =>
    new RefusedError("vm-file-not-confirmed", `${vmSidecarPath(target, backupDir)} asks to edit ${recorded}, but ${why}: refused, nothing written; if that VM definition is yours, run again with --vm ${recorded}`, {
      path: recorded,
    });
  if (!existsSync(recorded)) throw refuse("it does not exist");
  if (lstatSync(recorded).isSymbolicLink()) throw refuse("it is a symbolic link");
  if (given !== undefined) {
    if (realOrNull(given) !== realOrNull(recorded)) throw refuse(`--vm names another file (${given})`);
    return;
  }
  const imageReal = realOrNull(target);
  if (dirname(realOrNull(recorded) ?? "") !== dirname(imageReal ?? "/nonexistent/x")) throw refuse("it is not in the image's folder");
  const folder = dirname(resolve(recorded));
  const namesImage = openVmConfig(recorded)
    .disks()
    .some((disk) => disk.file !== undefined && realOrNull(resolve(folder, disk.file)) === imageReal);
  if (!namesImage) throw refuse("it does not list the image among its disks");
}

/**
 * Plugs back what apply unplugged for `target` (no sidecar: nothing to do). Returns a line per
 * NIC. `vmFile`: the VM definition the user names again on the command line (see confirmVmFile).
 * With dryRun, every check runs and nothing is written (the CLI runs it before the image undo).
 */
export function restoreVmLinks(target: string, options: { dryRun?: boolean; vmFile?: string; backupDir?: string } = {}): string[] {
  const path = vmSidecarPath(target, options.backupDir);
  if (!existsSync(path)) return [];
  const sidecar = readSidecar(path);
  confirmVmFile(target, sidecar.vmFile, options.vmFile, options.backupDir);
  const config = openVmConfig(sidecar.vmFile);
  const lines: string[] = [];
  for (const nic of sidecar.nics) {
    const edit = config.setLink(nic.mac ? { mac: nic.mac } : { nic: nic.index }, nic.wasConnected);
    lines.push(`${sidecar.vmFile}: NIC ${nic.mac ?? nic.index} ${edit.changed.length ? (nic.wasConnected ? "plugged back" : "unplugged again") : "already as it was"}`);
  }
  if (!options.dryRun) {
    if (config.dirty) config.save({ backup: true });
    rmSync(path);
  }
  return lines;
}
