/** NIC teams: the team's virtual miniport survives the P2V and keeps the static IP. */
import type { Evidence } from "../schema.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const nicTeaming: FindingRule = (model) => {
  const evidence: Evidence[] = [];
  const parts: string[] = [];
  for (const a of model.network.adapters.filter((x) => x.team)) {
    const members = a.team!.members.map((m) => model.network.adapters.find((x) => x.classKey === m)?.driverDesc ?? m);
    parts.push(`team adapter "${a.connectionName ?? a.driverDesc ?? a.classKey}" (${a.team!.vendor} ${a.team!.kind}${members.length ? `, members: ${members.join(", ")}` : ""})`);
    evidence.push(systemEvidence(model, `Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}\\${a.classKey}`, "ComponentId", a.componentId ?? ""));
  }
  const services = model.services.items.filter((s) => s.vendor?.category === "teaming" && s.installed && s.start !== 4);
  for (const s of services) {
    parts.push(`teaming driver ${s.name} (${s.startName})`);
    evidence.push(systemEvidence(model, `Services\\${s.name}`, "Start", shown(s.start)));
  }
  if (parts.length === 0) return [];
  return [
    {
      id: "nic-teaming",
      severity: "problem",
      title: "NIC teaming from the physical server",
      detail: `${parts.join(", ")}. The team's members are gone in the VM; its configuration must move to the new NIC before the teaming software is removed.`,
      evidence,
      fixup: "teaming",
    },
  ];
};
