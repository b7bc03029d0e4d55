/** Backup and antivirus agents: they often stall a first boot on an isolated network. */
import { overriddenStart } from "../services.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

const KINDS = new Set(["backup-agent", "antivirus"]);

export const backupAvAgent: FindingRule = (model) => {
  const hits = model.services.items.filter((s) => s.vendor && KINDS.has(s.vendor.category) && s.installed && (overriddenStart(s) ?? 4) <= 2);
  if (hits.length === 0) return [];
  return [
    {
      id: "backup-av-agent",
      severity: "info",
      title: "Backup or antivirus agents start automatically",
      detail: hits.map((s) => `${s.name} (${s.vendor!.vendor})`).join(", "),
      evidence: hits.map((s) => systemEvidence(model, `Services\\${s.name}`, "Start", shown(s.start))),
      fixup: "vendor-software",
    },
  ];
};
