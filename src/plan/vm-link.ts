/**
 * Unplugging the new NIC in the VM definition at apply, and plugging it back at undo. The VM
 * file is saved atomically with FILE.bak (vmconfig); what apply changed is recorded in a
 * sidecar beside the target, `TARGET.p2vfix-vm.json`, which `restoreVmLinks` (called by
 * `p2vfix undo`) reads to set the link back and then removes.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { PlanError } from "../errors.js";
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

export function vmSidecarPath(target: string): string {
  return `${resolve(target)}.p2vfix-vm.json`;
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
export function applyVmLink(change: VmLinkChange, target: string, dryRun: boolean): VmLinkOutcome {
  const config = openVmConfig(change.file);
  const selector = selectorOf(change);
  const running = config.running();
  if (!config.editable || running.running === true) {
    const commands = config.liveCommand(selector, change.up);
    return { summary: `${config.editable ? `the VM is running (${running.evidence})` : `${config.format} has no file to edit`}: run ${commands.join(" ; ")}`, changed: 0, commands };
  }
  const before = new Map(config.nics().map((n) => [n.index, n.connected]));
  const edit = config.setLink(selector, change.up);
  if (edit.changed.length === 0) return { summary: `already ${change.up ? "plugged" : "unplugged"}`, changed: 0, commands: [] };
  const summary = edit.changed.map((c) => `${c.nic.id}${c.nic.mac ? ` (${c.nic.mac})` : ""}: ${change.up ? "plugged" : "unplugged"}${c.line ? ` (line ${c.line})` : ""}`).join(", ");
  if (dryRun) return { summary: `would be ${summary}`, changed: edit.changed.length, commands: [] };
  const sidecarPath = vmSidecarPath(target);
  const sidecar: VmSidecar = {
    version: 1,
    vmFile: resolve(change.file),
    nics: edit.changed.map((c) => ({ index: c.nic.index, ...(c.nic.mac ? { mac: c.nic.mac } : {}), wasConnected: before.get(c.nic.index) ?? true })),
  };
  // The record goes first: a crash after saving the VM file still leaves undo able to plug back.
  writeFileSync(`${sidecarPath}.tmp`, JSON.stringify(sidecar, null, 2) + "\n");
  renameSync(`${sidecarPath}.tmp`, sidecarPath);
  config.save({ backup: true });
  return { summary, changed: edit.changed.length, commands: [] };
}

/** Plugs back what apply unplugged for `target` (no sidecar: nothing to do). Returns a line per NIC. */
export function restoreVmLinks(target: string, options: { dryRun?: boolean } = {}): string[] {
  const path = vmSidecarPath(target);
  if (!existsSync(path)) return [];
  const parsed = Sidecar.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new PlanError("bad-vm-sidecar", `${path} is not a p2vfix VM link record`, { path });
  const config = openVmConfig(parsed.data.vmFile);
  const lines: string[] = [];
  for (const nic of parsed.data.nics) {
    const edit = config.setLink(nic.mac ? { mac: nic.mac } : { nic: nic.index }, nic.wasConnected);
    lines.push(`${parsed.data.vmFile}: NIC ${nic.mac ?? nic.index} ${edit.changed.length ? (nic.wasConnected ? "plugged back" : "unplugged again") : "already as it was"}`);
  }
  if (!options.dryRun) {
    if (config.dirty) config.save({ backup: true });
    rmSync(path);
  }
  return lines;
}
