/** Vendor management agents of the physical server that start automatically. */
import type { FindingRule } from "./types.js";
import { vendorServicesFinding } from "./vendor-services.js";

export const vendorAgent: FindingRule = (model) =>
  vendorServicesFinding(model, {
    id: "vendor-agent",
    severity: "warning",
    title: "Hardware vendor agents will start without their hardware",
    matches: (s) => s.vendor.category === "management-agent",
    describe: (s) => `${s.name} (${s.vendor.vendor}, ${s.startName})`,
  });
