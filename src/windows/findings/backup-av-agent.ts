/** Backup and antivirus agents: they often stall a first boot on an isolated network. */
import type { FindingRule } from "./types.js";
import { vendorServicesFinding } from "./vendor-services.js";

const KINDS = new Set(["backup-agent", "antivirus"]);

export const backupAvAgent: FindingRule = (model) =>
  vendorServicesFinding(model, {
    id: "backup-av-agent",
    severity: "info",
    title: "Backup or antivirus agents start automatically",
    matches: (vendorService) => KINDS.has(vendorService.vendor.category),
    describe: (vendorService) => `${vendorService.name} (${vendorService.vendor.vendor})`,
  });
