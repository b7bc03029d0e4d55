/** A storage class filter names a service that cannot start: the whole stack fails (0x7B). */
import type { FindingRule } from "./types.js";
import { systemEvidence } from "./types.js";

export const storageFilterBroken: FindingRule = (model) => {
  const bad = model.bootStorage.filters.filter((filter) => filter.broken.length > 0);
  if (bad.length === 0) return [];
  return [
    {
      id: "storage-filter-broken",
      severity: "problem",
      title: "A storage class filter driver cannot start",
      detail: bad.flatMap((filter) => filter.broken.map((brokenEntry) => `${filter.className} ${filter.list}: ${brokenEntry.service} (${brokenEntry.reason})`)).join("; "),
      evidence: bad.map((filter) => systemEvidence(model, `Control\\Class\\${filter.classGuid}`, filter.list, filter.services.join(","))),
      fixup: "boot-storage",
    },
  ];
};
