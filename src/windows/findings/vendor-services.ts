/**
 * The shape the vendor-service rules share: the installed services of some vendor category
 * (knowledge's vendor tags) that start on their own (boot, system or auto, StartOverride
 * included) make one finding, fixed by the vendor-software fixup, with each Start value as
 * evidence.
 */
import type { WindowsModel } from "../model.js";
import type { Finding, Service } from "../schema.js";
import { overriddenStart } from "../services.js";
import { shown, systemEvidence } from "./types.js";

export type VendorService = Service & { vendor: NonNullable<Service["vendor"]> };

export interface VendorServicesFinding {
  id: string;
  severity: Finding["severity"];
  title: string;
  /** Which tagged services the finding is about. */
  matches: (service: VendorService) => boolean;
  /** One service in the detail line. */
  describe: (service: VendorService) => string;
}

export function vendorServicesFinding(model: WindowsModel, finding: VendorServicesFinding): Finding[] {
  const hits = model.services.items.filter(
    (item): item is VendorService => item.vendor !== undefined && item.vendor !== null && item.installed && (overriddenStart(item) ?? 4) <= 2 && finding.matches(item as VendorService),
  );
  if (hits.length === 0) return [];
  return [
    {
      id: finding.id,
      severity: finding.severity,
      title: finding.title,
      detail: hits.map(finding.describe).join(", "),
      evidence: hits.map((hit) => systemEvidence(model, `Services\\${hit.name}`, "Start", shown(hit.start))),
      fixup: "vendor-software",
    },
  ];
}
