/** Guest tools of the source hypervisor, when the target is a different one. */
import { overriddenStart } from "../services.js";
import { toolsHypervisor } from "../vendor-tags.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const hypervisorTools: FindingRule = (model, { target }) => {
  if (!target) return [];
  const hits = model.services.items.filter((s) => {
    const hv = toolsHypervisor(s.vendor);
    return hv !== undefined && hv !== target && s.installed && (overriddenStart(s) ?? 4) <= 2;
  });
  if (hits.length === 0) return [];
  return [
    {
      id: "hypervisor-tools",
      severity: "warning",
      title: "Guest tools of the previous hypervisor start automatically",
      detail: hits.map((s) => `${s.name} (${s.vendor!.vendor}, ${s.startName})`).join(", "),
      evidence: hits.map((s) => systemEvidence(model, `Services\\${s.name}`, "Start", shown(s.start))),
      fixup: "vendor-software",
    },
  ];
};
