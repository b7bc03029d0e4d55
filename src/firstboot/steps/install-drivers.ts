/**
 * Step: install the drivers `apply` staged for Plug and Play (drivers the boot does not need,
 * such as a NIC's), first in order, since the network steps look for the new adapter these
 * drivers bring. The script is data/firstboot/drivers-pnputil.ps1.
 */
import type { FirstBootStep } from "../../changes/change.js";
import { renderTemplate } from "../render-template.js";

/** The step for the staged `drivers` (names, for the reason line). */
export function installStagedDriversStep(drivers: readonly string[]): FirstBootStep {
  return {
    kind: "firstboot-step",
    id: "drivers-pnputil",
    title: "Install the staged drivers for the new devices",
    fixup: "drivers",
    shell: "powershell",
    timeoutSeconds: 600,
    retries: 1,
    reason: `${drivers.join(", ")} staged under Windows\\Drivers\\p2vfix by apply`,
    script: renderTemplate("drivers-pnputil.ps1").text,
  };
}
