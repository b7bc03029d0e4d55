/**
 * The diff a person reads before apply writes: per hive, each key and value with old → new,
 * grouped by fixup, then the first-boot steps and the VM link change.
 */
import type { FirstBootStep, VmLinkChange } from "../changes/change.js";
import type { DiffEntry } from "../changes/apply-registry-changes.js";

export interface DiffInput {
  entries: DiffEntry[];
  steps: FirstBootStep[];
  vm: VmLinkChange | null;
  /** What the VM change would do or did ("ethernet0: unplugged (line 27)"); absent: not known. */
  vmResult?: string;
  notices: string[];
  /** Files a plan's `files:` section copies into the image ("/p2vfix/tools/cleanup.cmd (10 B)"). */
  files?: string[];
}

const ACTION_MARK = { "create-key": "+", "delete-key": "-", "set-value": "~", "delete-value": "-" } as const;

export function renderDiff(input: DiffInput): string {
  const lines: string[] = [];
  if (input.entries.length === 0) lines.push("registry: no change (the image already holds everything the plan sets)");
  let lastKey = "";
  let lastFixup = "";
  for (const entry of input.entries) {
    if (entry.fixup !== lastFixup) {
      lines.push(`# ${entry.fixup}`);
      lastFixup = entry.fixup;
      lastKey = "";
    }
    const key = `${entry.hive}\\${entry.key}`;
    if (entry.action === "create-key") {
      lines.push(`+ [${key}]`);
      lastKey = key;
      continue;
    }
    if (entry.action === "delete-key") {
      lines.push(`- [${key}] (${entry.before})`);
      lastKey = "";
      continue;
    }
    if (key !== lastKey) {
      lines.push(`  [${key}]`);
      lastKey = key;
    }
    const name = entry.name === "" ? "@" : JSON.stringify(entry.name);
    if (entry.action === "delete-value") lines.push(`${ACTION_MARK[entry.action]}   ${name}: ${entry.before} → (deleted)`);
    else lines.push(`${entry.before === undefined ? "+" : "~"}   ${name}: ${entry.before ?? "(absent)"} → ${entry.after}`);
  }
  if (input.steps.length > 0) {
    lines.push("", `first-boot steps (${input.steps.length}), run in this order inside the VM:`);
    input.steps.forEach((step, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${step.id} [${step.shell}, ${step.timeoutSeconds} s, ${step.retries} ${step.retries === 1 ? "retry" : "retries"}]: ${step.title}`));
  }
  if (input.vm) lines.push("", `VM definition ${input.vm.file}: NIC ${input.vm.nic.mac ?? input.vm.nic.index ?? "(the only one)"} link ${input.vm.up ? "up" : "down"}${input.vmResult ? `: ${input.vmResult}` : ""}`);
  if (input.files?.length) lines.push("", `files copied into the image (${input.files.length}):`, ...input.files.map((file) => `+ ${file}`));
  for (const notice of input.notices) lines.push(`note: ${notice}`);
  return lines.join("\n") + "\n";
}
