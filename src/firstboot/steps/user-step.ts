/**
 * A step the user wrote in the plan (PowerShell or cmd), passed through after the same checks
 * as the built-in ones.
 */
import type { FirstBootStep } from "../../changes/change.js";
import { validateStep } from "../steps-registry.js";

export interface UserStepInput {
  id: string;
  title?: string;
  shell: "powershell" | "cmd";
  script: string;
  timeoutSeconds?: number;
  retries?: number;
}

export function userStep(input: UserStepInput): FirstBootStep {
  const step: FirstBootStep = {
    kind: "firstboot-step",
    fixup: "user",
    reason: "step added to the plan by the user",
    id: input.id,
    title: input.title ?? input.id,
    shell: input.shell,
    script: input.shell === "cmd" ? input.script.replace(/\r?\n/g, "\r\n") : input.script,
    timeoutSeconds: input.timeoutSeconds ?? 600,
    retries: input.retries ?? 0,
  };
  validateStep(step);
  return step;
}
