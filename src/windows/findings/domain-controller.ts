/** A domain controller copy risks USN rollback if the original keeps running. */
import type { FindingRule } from "./types.js";
import { systemEvidence } from "./types.js";

export const domainController: FindingRule = (model) => {
  if (model.installation.role !== "domain-controller") return [];
  return [
    {
      id: "domain-controller",
      severity: "warning",
      title: "This is a domain controller",
      detail: "Never run the copy and the original on the same network: AD replication would suffer USN rollback. Plan the DC migration (or demote/promote) explicitly.",
      evidence: [systemEvidence(model, "Control\\ProductOptions", "ProductType", model.installation.productType ?? "")],
      fixup: "manual",
    },
  ];
};
