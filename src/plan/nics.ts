/**
 * The plan's `nics:` list at apply time: a person may change which new NIC (MAC) takes an old
 * adapter's configuration. Each move-static-ip step finds its NIC by the `$targetMac` line it
 * starts with (find-adapter.ts), so the edit is carried into that line; nothing else in the
 * script changes. An entry with a MAC but no step cannot be honoured here: the plan must be made
 * again with that MAC (the step is generated from the image's configuration).
 */
import { PlanError } from "../errors.js";
import { normalizeMac } from "../firstboot/index.js";
import { psString } from "../firstboot/powershell-text.js";
import type { PlanFile, StepEntry } from "./schema.js";

const TARGET_MAC_LINE = /^\$targetMac = '[^'\n]*'$/m;

export function stepsWithNicEdits(plan: PlanFile): StepEntry[] {
  const steps = plan.firstBoot?.steps ?? [];
  if (plan.nics.length === 0) return steps;
  const byId = new Map(plan.nics.filter((nic) => nic.step !== null).map((nic) => [nic.step!.toLowerCase(), nic]));
  for (const nic of plan.nics) {
    if (nic.step === null && nic.mac !== null) {
      throw new PlanError("nic-without-step", `nics: ${nic.adapter} has the MAC ${nic.mac} but no first-boot step: make the plan again with --mac (or a nics: option) so the step is generated`);
    }
    if (nic.step !== null && !steps.some((step) => step.id.toLowerCase() === nic.step!.toLowerCase())) {
      throw new PlanError("nic-step-missing", `nics: ${nic.adapter} names the step ${JSON.stringify(nic.step)}, which is not in firstBoot.steps`);
    }
  }
  return steps.map((step) => {
    const nic = byId.get(step.id.toLowerCase());
    if (!nic) return step;
    const mac = nic.mac === null ? "" : normalizeMac(nic.mac);
    const match = TARGET_MAC_LINE.exec(step.script);
    if (!match) throw new PlanError("nic-step-edited", `nics: the step ${step.id} no longer has its $targetMac line; set the MAC in the script itself or make the plan again`);
    const line = `$targetMac = ${psString(mac)}`;
    return line === match[0] ? step : { ...step, script: step.script.replace(TARGET_MAC_LINE, () => line) };
  });
}
