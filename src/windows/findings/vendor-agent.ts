/** Vendor management agents of the physical server that start automatically. */
import { overriddenStart } from "../services.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

const AGENT = new Set(["management-agent"]);

export const vendorAgent: FindingRule = (model) => {
  const hits = model.services.items.filter((s) => s.vendor && AGENT.has(s.vendor.category) && s.installed && (overriddenStart(s) ?? 4) <= 2);
  if (hits.length === 0) return [];
  return [
    {
      id: "vendor-agent",
      severity: "warning",
      title: "Hardware vendor agents will start without their hardware",
      detail: hits.map((s) => `${s.name} (${s.vendor!.vendor}, ${s.startName})`).join(", "),
      evidence: hits.map((s) => systemEvidence(model, `Services\\${s.name}`, "Start", shown(s.start))),
      fixup: "vendor-software",
    },
  ];
};
