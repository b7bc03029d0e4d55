/** Old-hardware storage/NIC drivers set to start at boot, system or auto (not demand). */
import { overriddenStart } from "../services.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

const DRIVER = new Set(["storage-driver", "nic-driver"]);

export const vendorDriver: FindingRule = (model) => {
  const hits = model.services.items.filter((s) => s.vendor && DRIVER.has(s.vendor.category) && s.installed && (overriddenStart(s) ?? 4) <= 2);
  if (hits.length === 0) return [];
  return [
    {
      id: "vendor-driver",
      severity: "warning",
      title: "Drivers of the physical hardware start at boot",
      detail: hits.map((s) => `${s.name} (${s.vendor!.vendor} ${s.vendor!.category}, ${s.startName})`).join(", "),
      evidence: hits.map((s) => systemEvidence(model, `Services\\${s.name}`, "Start", shown(s.start))),
      fixup: "vendor-software",
    },
  ];
};
