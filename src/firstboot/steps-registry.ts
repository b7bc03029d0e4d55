/**
 * First-boot steps as registry values: SOFTWARE\p2vfix\FirstBoot\Steps\NNN, one subkey per
 * step in run order, holding Id, Title, Shell, Script, TimeoutSeconds and Retries. The runner
 * reads them back in name order.
 */
import { PlanError } from "../errors.js";
import type { FirstBootStep, RegistryChange } from "../changes/change.js";
import { Limits, STEPS_KEY, StepValue } from "./layout.js";

/** Step ids name result keys: keep them to characters a registry key and a file name accept. */
export const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Rejects a step the runner could not run within its bounds (PlanError names the step). */
export function validateStep(step: FirstBootStep): void {
  const where = { path: `first-boot step ${JSON.stringify(step.id)}` };
  if (!STEP_ID.test(step.id)) throw new PlanError("bad-step-id", `step id ${JSON.stringify(step.id)}: letters, digits, '.', '_', '-' only, 1 to 64 characters, not starting with a symbol`, where);
  if (step.shell !== "powershell" && step.shell !== "cmd") throw new PlanError("bad-step-shell", `shell must be powershell or cmd, not ${JSON.stringify(step.shell)}`, where);
  if (!Number.isInteger(step.timeoutSeconds) || step.timeoutSeconds < 1 || step.timeoutSeconds > Limits.maxTimeoutSeconds) {
    throw new PlanError("bad-step-timeout", `timeoutSeconds must be an integer from 1 to ${Limits.maxTimeoutSeconds}, not ${step.timeoutSeconds}`, where);
  }
  if (!Number.isInteger(step.retries) || step.retries < 0 || step.retries > Limits.maxRetries) {
    throw new PlanError("bad-step-retries", `retries must be an integer from 0 to ${Limits.maxRetries}, not ${step.retries}`, where);
  }
  if (step.script.trim() === "") throw new PlanError("empty-step", "the step's script is empty", where);
  if (step.script.includes("\u0000")) throw new PlanError("bad-step-script", "the step's script contains a NUL character", where);
}

/**
 * A cmd step's batch file, byte for byte: UTF-8 without a byte-order mark (cmd would run the
 * mark as a command) behind `chcp 65001`, so a path like C:\Données keeps its letters; CRLF
 * line ends. The runner writes these bytes as they are (Set-Content -Encoding Byte).
 */
export function cmdFileBytes(script: string): Buffer {
  const lines = script.split(/\r?\n/);
  return Buffer.from(["@chcp 65001 >nul", ...lines].join("\r\n") + "\r\n", "utf8");
}

export function stepKeyName(index: number): string {
  return String(index + 1).padStart(3, "0");
}

export function stepsToRegistry(steps: FirstBootStep[]): RegistryChange[] {
  if (steps.length > Limits.maxSteps) throw new PlanError("too-many-steps", `${steps.length} first-boot steps (at most ${Limits.maxSteps})`);
  const seen = new Set<string>();
  const changes: RegistryChange[] = [];
  steps.forEach((step, i) => {
    validateStep(step);
    const lower = step.id.toLowerCase();
    if (seen.has(lower)) throw new PlanError("duplicate-step-id", `two first-boot steps have the id ${JSON.stringify(step.id)} (ids name the result keys)`);
    seen.add(lower);
    const key = `${STEPS_KEY}\\${stepKeyName(i)}`;
    const base = { fixup: step.fixup, hive: "SOFTWARE" as const, key };
    const reason = `first-boot step ${i + 1}: ${step.title}`;
    changes.push({ ...base, kind: "create-key", reason });
    changes.push({ ...base, kind: "set-value", name: StepValue.id, data: { type: "REG_SZ", value: step.id }, reason });
    changes.push({ ...base, kind: "set-value", name: StepValue.title, data: { type: "REG_SZ", value: step.title }, reason });
    changes.push({ ...base, kind: "set-value", name: StepValue.shell, data: { type: "REG_SZ", value: step.shell }, reason });
    changes.push({ ...base, kind: "set-value", name: StepValue.script, data: { type: "REG_SZ", value: step.script }, reason: `${reason} (${step.reason})` });
    if (step.shell === "cmd") {
      changes.push({ ...base, kind: "set-value", name: StepValue.scriptBytes, data: { type: "REG_BINARY", hex: cmdFileBytes(step.script).toString("hex") }, reason: `${reason} (the batch file as UTF-8)` });
    }
    changes.push({ ...base, kind: "set-value", name: StepValue.timeoutSeconds, data: { type: "REG_DWORD", value: step.timeoutSeconds }, reason });
    changes.push({ ...base, kind: "set-value", name: StepValue.retries, data: { type: "REG_DWORD", value: step.retries }, reason });
  });
  return changes;
}
