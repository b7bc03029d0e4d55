/**
 * The first-boot runner as apply left it in SOFTWARE\p2vfix\FirstBoot (layout:
 * src/firstboot/layout.ts): its state, hooks, and the steps in the order they will run, with
 * their scripts. What `inspect` mentions and `firstboot show` prints in full.
 */
import { FIRSTBOOT_KEY, StepValue, STEPS_KEY, Value } from "../firstboot/layout.js";
import { readDword, readString, type RegistryKey } from "../windows/registry.js";
import { plural } from "./notices.js";

export interface RunnerStepView {
  key: string;
  id: string;
  title: string;
  shell: string;
  timeoutSeconds: number | null;
  retries: number | null;
  script: string;
}

export interface RunnerView {
  state: string | null;
  mechanism: string | null;
  maxBoots: number | null;
  boots: number | null;
  runner: string | null;
  steps: RunnerStepView[];
}

/** The runner in this SOFTWARE hive, or null when p2vfix never installed one. */
export function readRunner(software: RegistryKey | undefined): RunnerView | null {
  const root = software?.key(FIRSTBOOT_KEY);
  if (!root) return null;
  const stepsKey = software?.key(STEPS_KEY);
  // Step keys are numbered (001, 002...): that order is the run order.
  const keys = (stepsKey?.subkeys() ?? []).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  return {
    state: readString(root, Value.state) ?? null,
    mechanism: readString(root, Value.mechanism) ?? null,
    maxBoots: readDword(root, Value.maxBoots) ?? null,
    boots: readDword(root, Value.boots) ?? null,
    runner: readString(root, Value.runner) ?? null,
    steps: keys.map((registryKey) => ({
      key: registryKey.name,
      id: readString(registryKey, StepValue.id) ?? registryKey.name,
      title: readString(registryKey, StepValue.title) ?? "",
      shell: readString(registryKey, StepValue.shell) ?? "powershell",
      timeoutSeconds: readDword(registryKey, StepValue.timeoutSeconds) ?? null,
      retries: readDword(registryKey, StepValue.retries) ?? null,
      script: readString(registryKey, StepValue.script) ?? "",
    })),
  };
}

/** A few lines: state, hooks, and one line per step. */
export function renderRunnerSummary(view: RunnerView): string {
  const lines = [
    `First-boot runner: ${view.state ?? "installed"}${view.mechanism ? ` (hook: ${view.mechanism})` : ""}${view.maxBoots !== null ? `, at most ${plural(view.maxBoots, "boot")}` : ""}; ${plural(view.steps.length, "step")}:`,
  ];
  view.steps.forEach((step, i) =>
    lines.push(`  ${String(i + 1).padStart(2)}. ${step.id} [${step.shell}${step.timeoutSeconds !== null ? `, ${step.timeoutSeconds} s` : ""}${step.retries !== null ? `, ${plural(step.retries, "retry", "retries")}` : ""}]: ${step.title}`),
  );
  if (view.state === "armed") lines.push("  It runs at the next boot; `p2vfix firstboot show IMAGE` prints the scripts, `p2vfix report IMAGE` the results afterwards.");
  return lines.join("\n") + "\n";
}

/** Everything as one PowerShell file to read: the runner, then each step's script, in run order. */
export function renderRunnerPs1(view: RunnerView): string {
  const parts = [`# p2vfix first-boot runner (state: ${view.state ?? "unknown"}, hook: ${view.mechanism ?? "unknown"})`, view.runner ?? "# (no runner script stored)"];
  for (const step of view.steps) {
    parts.push("", `# ---- step ${step.key}: ${step.id} — ${step.title} (${step.shell}, ${step.timeoutSeconds ?? "?"} s, ${step.retries ?? 0} retries) ----`, step.script);
  }
  return parts.join("\n").replace(/\r\n/g, "\n") + "\n";
}
