/** Vendor management agents of the physical server that start automatically. */
import type { FindingRule } from "./types.js";
import { vendorServicesFinding } from "./vendor-services.js";

export const vendorAgent: FindingRule = (model) =>
  vendorServicesFinding(model, {
    id: "vendor-agent",
    severity: "warning",
    title: "Hardware vendor agents will start without their hardware",
    matches: (vendorService) => vendorService.vendor.category === "management-agent",
    describe: (vendorService) => `${vendorService.name} (${vendorService.vendor.vendor}, ${vendorService.startName})`,
  });
