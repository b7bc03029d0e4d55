/**
 * The first-boot results, typed: what `p2vfix report` shows. Built on the Windows model's
 * generic reader (src/windows/firstboot-results.ts reads SOFTWARE\p2vfix\FirstBoot\Results as
 * plain values); this adds the meaning of the runner's value names, and the runner state kept
 * beside the results (still armed, running, interrupted).
 */
import { readFirstBootResults } from "../windows/firstboot-results.js";
import { readDword, readString, type RegistryKey } from "../windows/registry.js";
import { FIRSTBOOT_KEY, Value } from "./layout.js";

type Plain = string | number | string[];

export interface StepResult {
  id: string;
  title: string | null;
  /** ok, ok-reboot, failed, timeout, running (interrupted), or what the runner wrote. */
  status: string;
  started: string | null;
  finished: string | null;
  exitCode: number | null;
  attempts: number | null;
  output: string[];
}

export interface FirstBootReport {
  /** Runner state: armed (not run yet), running, done, failed, gave-up; null when no runner key. */
  state: string | null;
  /** Hook that ran the steps (setup, service), or the hooks armed when it has not run. */
  mechanism: string | null;
  boots: number | null;
  maxBoots: number | null;
  started: string | null;
  finished: string | null;
  summary: string | null;
  stepsOk: number | null;
  stepsFailed: number | null;
  rebootRequired: boolean | null;
  pnpSettled: boolean | null;
  servicesRestored: string[];
  /** Values changed for the first boot only that the runner put back (or kept: "... kept (changed since)"). */
  valuesRestored: string[];
  /** Why the run could not start its steps (no safe working folder), when that happened. */
  workDirProblem: string | null;
  steps: StepResult[];
}

const text = (plain: Plain | undefined): string | null => (plain === undefined ? null : Array.isArray(plain) ? plain.join("\n") : String(plain));
const num = (plain: Plain | undefined): number | null => (typeof plain === "number" ? plain : typeof plain === "string" && /^-?\d+$/.test(plain) ? Number(plain) : null);
const list = (plain: Plain | undefined): string[] => (plain === undefined ? [] : (Array.isArray(plain) ? plain : String(plain).split(/\r?\n/)).filter((line) => line !== ""));
const flag = (plain: Plain | undefined): boolean | null => (num(plain) === null ? null : num(plain) !== 0);

/** ExitCode is stored as a DWORD: -1 (could not start, timed out) reads back as 0xFFFFFFFF. */
function signed(value: number | null): number | null {
  return value !== null && value > 0x7fffffff && value <= 0xffffffff ? value - 0x100000000 : value;
}

/** null when the hive holds neither a runner nor results (p2vfix never prepared this image). */
export function readFirstBootReport(software: RegistryKey): FirstBootReport | null {
  const runner = software.key(FIRSTBOOT_KEY);
  const results = readFirstBootResults(software);
  if (!runner && !results) return null;
  const values = results?.values ?? {};
  return {
    state: text(values.State) ?? readString(runner, Value.state) ?? null,
    mechanism: text(values.Mechanism) ?? readString(runner, Value.mechanism) ?? null,
    boots: num(values.Boots) ?? readDword(runner, Value.boots) ?? null,
    maxBoots: readDword(runner, Value.maxBoots) ?? null,
    started: text(values.Started),
    finished: text(values.Finished),
    summary: text(values.Summary),
    stepsOk: num(values.StepsOk),
    stepsFailed: num(values.StepsFailed),
    rebootRequired: flag(values.RebootRequired),
    pnpSettled: flag(values.PnpSettled),
    servicesRestored: list(values.ServicesRestored),
    valuesRestored: list(values.ValuesRestored),
    workDirProblem: text(values.WorkDir),
    steps: (results?.steps ?? []).map((step) => ({
      id: step.name,
      title: text(step.values.Title),
      status: text(step.values.Status) ?? "unknown",
      started: text(step.values.Started),
      finished: text(step.values.Finished),
      exitCode: signed(num(step.values.ExitCode)),
      attempts: num(step.values.Attempts),
      output: list(step.values.Output),
    })),
  };
}

/** The human table of `p2vfix report`. */
export function renderFirstBootReport(report: FirstBootReport | null, source: string): string {
  if (!report) return `${source}: no p2vfix first-boot runner or results in this SOFTWARE hive.\n`;
  const lines: string[] = [];
  const field = (label: string, value: string | number | boolean | null): void => {
    if (value !== null && value !== "") lines.push(`${label.padEnd(18)}${String(value)}`);
  };
  lines.push(`First boot (${source})`);
  field("State", report.state);
  field("Hook", report.mechanism);
  field("Boots", report.boots === null ? null : report.maxBoots === null ? report.boots : `${report.boots} of at most ${report.maxBoots}`);
  field("Started", report.started);
  field("Finished", report.finished);
  field("Summary", report.summary);
  field("PnP settled", report.pnpSettled === null ? null : report.pnpSettled ? "yes" : "no (waited the limit)");
  field("Restart needed", report.rebootRequired === null ? null : report.rebootRequired ? "yes" : "no");
  if (report.servicesRestored.length) field("Services restored", report.servicesRestored.join(", "));
  if (report.valuesRestored.length) field("First-boot values put back", report.valuesRestored.join(", "));
  if (report.workDirProblem) field("Working folder", report.workDirProblem);
  if (report.state === "armed") lines.push("", "The runner is installed and has not run yet: boot the VM, shut it down, then run this again.");
  if (report.steps.length === 0) return lines.join("\n") + "\n";
  const rows = report.steps.map((step) => [step.id, step.status, step.exitCode === null ? "" : String(step.exitCode), step.attempts === null ? "" : String(step.attempts), step.started ?? "", step.finished ?? "", step.title ?? ""]);
  const head = ["STEP", "STATUS", "EXIT", "TRIES", "STARTED", "FINISHED", "TITLE"];
  const widths = head.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]): string => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd();
  lines.push("", fmt(head), ...rows.map(fmt));
  for (const step of report.steps) {
    if (step.output.length === 0) continue;
    lines.push("", `${step.id} output (last ${step.output.length} line${step.output.length === 1 ? "" : "s"}):`, ...step.output.map((line) => `  ${line}`));
  }
  return lines.join("\n") + "\n";
}
