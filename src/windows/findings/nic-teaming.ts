/** NIC teams: the team's virtual miniport survives the P2V and keeps the static IP. */
import type { Evidence } from "../schema.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const nicTeaming: FindingRule = (model) => {
  const evidence: Evidence[] = [];
  const parts: string[] = [];
  for (const adapter of model.network.adapters.filter((candidate) => candidate.team)) {
    const members = adapter.team!.members.map((member) => model.network.adapters.find((candidate) => candidate.classKey === member)?.driverDesc ?? member);
    parts.push(`team adapter "${adapter.connectionName ?? adapter.driverDesc ?? adapter.classKey}" (${adapter.team!.vendor} ${adapter.team!.kind}${members.length ? `, members: ${members.join(", ")}` : ""})`);
    evidence.push(systemEvidence(model, `Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}\\${adapter.classKey}`, "ComponentId", adapter.componentId ?? ""));
  }
  const services = model.services.items.filter((service) => service.vendor?.category === "teaming" && service.installed && service.start !== 4);
  for (const service of services) {
    parts.push(`teaming driver ${service.name} (${service.startName})`);
    evidence.push(systemEvidence(model, `Services\\${service.name}`, "Start", shown(service.start)));
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
