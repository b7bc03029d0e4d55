/** Old-hardware storage/NIC drivers set to start at boot, system or auto (not demand). */
import type { FindingRule } from "./types.js";
import { vendorServicesFinding } from "./vendor-services.js";

const DRIVER = new Set(["storage-driver", "nic-driver"]);

export const vendorDriver: FindingRule = (model) =>
  vendorServicesFinding(model, {
    id: "vendor-driver",
    severity: "warning",
    title: "Drivers of the physical hardware start at boot",
    matches: (vendorService) => DRIVER.has(vendorService.vendor.category),
    describe: (vendorService) => `${vendorService.name} (${vendorService.vendor.vendor} ${vendorService.vendor.category}, ${vendorService.startName})`,
  });
