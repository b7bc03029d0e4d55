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
  for (const e of input.entries) {
    if (e.fixup !== lastFixup) {
      lines.push(`# ${e.fixup}`);
      lastFixup = e.fixup;
      lastKey = "";
    }
    const key = `${e.hive}\\${e.key}`;
    if (e.action === "create-key") {
      lines.push(`+ [${key}]`);
      lastKey = key;
      continue;
    }
    if (e.action === "delete-key") {
      lines.push(`- [${key}] (${e.before})`);
      lastKey = "";
      continue;
    }
    if (key !== lastKey) {
      lines.push(`  [${key}]`);
      lastKey = key;
    }
    const name = e.name === "" ? "@" : JSON.stringify(e.name);
    if (e.action === "delete-value") lines.push(`${ACTION_MARK[e.action]}   ${name}: ${e.before} → (deleted)`);
    else lines.push(`${e.before === undefined ? "+" : "~"}   ${name}: ${e.before ?? "(absent)"} → ${e.after}`);
  }
  if (input.steps.length > 0) {
    lines.push("", `first-boot steps (${input.steps.length}), run in this order inside the VM:`);
    input.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.id} [${s.shell}, ${s.timeoutSeconds} s, ${s.retries} ${s.retries === 1 ? "retry" : "retries"}]: ${s.title}`));
  }
  if (input.vm) lines.push("", `VM definition ${input.vm.file}: NIC ${input.vm.nic.mac ?? input.vm.nic.index ?? "(the only one)"} link ${input.vm.up ? "up" : "down"}${input.vmResult ? `: ${input.vmResult}` : ""}`);
  if (input.files?.length) lines.push("", `files copied into the image (${input.files.length}):`, ...input.files.map((f) => `+ ${f}`));
  for (const n of input.notices) lines.push(`note: ${n}`);
  return lines.join("\n") + "\n";
}
