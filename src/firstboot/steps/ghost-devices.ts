/**
 * Step: remove non-present (ghost) devices of the old hardware, GhostBuster-style, by class
 * (default Net, SCSIAdapter, HDC) and, for the System class, only the old vendor's PCI devices
 * (reference §8). Listing needs no binary: device instances from the Enum tree (read only)
 * minus the present ones (Win32_PnPEntity, problem 45 "not connected" counts as absent).
 * Removal goes through PnP, never by deleting Enum keys: `pnputil /remove-device` on Windows 10
 * 2004 (build 19041) and later; before that DIF_REMOVE through the class installer, as Device
 * Manager does, via Add-Type (which needs FullLanguage: under ConstrainedLanguage the step
 * lists the ghosts and exits 3).
 */
import { PlanError } from "../../errors.js";
import type { FirstBootStep } from "../../changes/change.js";
import { PsValue } from "../powershell-text.js";
import { renderTemplate, templateText } from "../render-template.js";
import { ghostFilters } from "./ghost-filters.js";

/** Windows 10 2004: the first build whose pnputil has /remove-device. */
export const PNPUTIL_REMOVE_BUILD = 19041;

export interface GhostDeviceOptions {
  /** Class names to remove (from the data file); default: the classes marked default. */
  classes?: string[];
  /** Old hardware vendors' PCI ids (e.g. "103C"): their non-present System-class devices go too. */
  oldPciVendors?: string[];
  fixup?: string;
  timeoutSeconds?: number;
}

/**
 * Before 19041: removal as Device Manager does it, through the device's class installer:
 * SetupDiSetClassInstallParams with SP_REMOVEDEVICE_PARAMS (Scope DI_REMOVEDEVICE_GLOBAL), then
 * SetupDiCallClassInstaller(DIF_REMOVE). The Net class installer then frees the adapter's
 * bindings and its connection name ("Ethernet 2"), which SetupDiRemoveDevice alone (the
 * default DIF_REMOVE handler, "only class installers should call" it) skips. The C# is
 * data/firstboot/setupapi-remove-device.cs (sources there), the step data/firstboot/remove-ghost-devices.ps1.
 */
export const SETUPAPI_CSHARP_FILE = "setupapi-remove-device.cs";

export function removeGhostDevicesStep(options: GhostDeviceOptions = {}): FirstBootStep {
  const filters = ghostFilters();
  const wanted = options.classes ?? filters.classes.filter((deviceClass) => deviceClass.default).map((deviceClass) => deviceClass.name);
  const classes = wanted.map((name) => {
    const found = filters.classes.find((deviceClass) => deviceClass.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new PlanError("unknown-device-class", `device class ${JSON.stringify(name)} is not removable (choose from ${filters.classes.map((deviceClass) => deviceClass.name).join(", ")})`);
    return found;
  });
  const vendors = (options.oldPciVendors ?? []).map((oldPciVendor) => {
    const id = oldPciVendor.trim().toUpperCase().replace(/^(PCI\\)?VEN_/, "");
    if (!/^[0-9A-F]{4}$/.test(id)) throw new PlanError("bad-pci-vendor", `not a PCI vendor id: ${JSON.stringify(oldPciVendor)}`);
    return `PCI\\VEN_${id}&`;
  });
  const script = renderTemplate("remove-ghost-devices.ps1", {
    classGuids: PsValue.stringArray(classes.map((deviceClass) => deviceClass.guid)),
    classNames: PsValue.stringArray(classes.map((deviceClass) => deviceClass.name)),
    vendorClassGuid: PsValue.string(filters.vendorClass.guid),
    vendorPrefixes: PsValue.stringArray(vendors),
    keepPrefixes: PsValue.stringArray(filters.keepPrefixes.map((keepPrefix) => keepPrefix.prefix)),
    neverGuids: PsValue.stringArray(filters.neverClasses.map((neverClass) => neverClass.guid)),
    pnputilRemoveBuild: PsValue.int(PNPUTIL_REMOVE_BUILD),
    setupApiSource: PsValue.hereString(templateText(SETUPAPI_CSHARP_FILE)),
  }).text;
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "ghost-devices",
    reason: "non-present devices of the old hardware keep IP addresses and driver bindings (reference §4.4, §8)",
    id: "remove-ghost-devices",
    title: `Remove non-present devices (${[...classes.map((deviceClass) => deviceClass.name), ...(vendors.length ? [`System of PCI ${vendors.map((vendor) => vendor.slice(8, 12)).join("/")}`] : [])].join(", ")})`,
    shell: "powershell",
    script,
    timeoutSeconds: options.timeoutSeconds ?? 900,
    retries: 1,
  };
}
