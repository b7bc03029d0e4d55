/** Automatic reboot on bugcheck hides a first-boot STOP error in a reboot loop. */
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const crashAutoReboot: FindingRule = (model) => {
  const auto = model.crashControl.autoReboot;
  if (auto === 0) return [];
  return [
    {
      id: "crash-auto-reboot",
      severity: "info",
      title: "Automatic restart after a STOP error is on",
      detail: "A first-boot failure (e.g. 0x7B) would reboot in a loop instead of staying on screen.",
      evidence: [systemEvidence(model, "Control\\CrashControl", "AutoReboot", auto === null ? "(absent: default 1)" : shown(auto))],
      fixup: "crash-control",
    },
  ];
};
