/** Guest tools of the source hypervisor, when the target is a different one. */
import { toolsHypervisor } from "../vendor-tags.js";
import type { FindingRule } from "./types.js";
import { vendorServicesFinding } from "./vendor-services.js";

export const hypervisorTools: FindingRule = (model, { target }) => {
  if (!target) return [];
  return vendorServicesFinding(model, {
    id: "hypervisor-tools",
    severity: "warning",
    title: "Guest tools of the previous hypervisor start automatically",
    matches: (vendorService) => {
      const hypervisor = toolsHypervisor(vendorService.vendor);
      return hypervisor !== undefined && hypervisor !== target;
    },
    describe: (vendorService) => `${vendorService.name} (${vendorService.vendor.vendor}, ${vendorService.startName})`,
  });
};
