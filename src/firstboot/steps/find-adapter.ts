/**
 * The PowerShell that finds the new NIC inside the booted VM, shared by the steps that
 * configure it: by MAC when the plan knows it (from the VM definition or the user), else as
 * the only physical adapter that was not in the image before (its PnP instance id is new).
 * It polls until the adapter appears, bounded by a deadline, and sets $nic (Win32_NetworkAdapter).
 * The script is data/firstboot/find-adapter.ps1.
 */
import { PlanError } from "../../errors.js";
import { PsValue } from "../powershell-text.js";
import { renderTemplate } from "../render-template.js";

/** "00-15-5d-01-0a-02", "00155D010A02", "00:15:5D:01:0A:02" → the form WMI uses: "00:15:5D:01:0A:02". */
export function normalizeMac(mac: string): string {
  const hex = mac.trim().replace(/[-:.\s]/g, "");
  if (!/^[0-9A-Fa-f]{12}$/.test(hex)) throw new PlanError("bad-mac", `not a MAC address: ${JSON.stringify(mac)}`);
  return hex.toUpperCase().match(/../g)!.join(":");
}

export interface FindAdapter {
  /** MAC of the new NIC (any usual notation). */
  mac?: string;
  /** PnP instance ids of the adapters the image already had (the model's deviceInstanceId/pnpInstanceId). */
  oldDeviceIds?: string[];
  /** How long to wait for the adapter to appear (default 180 s). */
  waitSeconds?: number;
}

/** The script (data/firstboot/find-adapter.ps1) as a value for a step template's tag. */
export function findAdapterValue(find: FindAdapter): PsValue {
  const wait = find.waitSeconds ?? 180;
  if (!Number.isInteger(wait) || wait < 0 || wait > 3600) throw new PlanError("bad-wait", `waitSeconds must be 0 to 3600, not ${wait}`);
  const mac = find.mac === undefined ? "" : normalizeMac(find.mac);
  return renderTemplate("find-adapter.ps1", { targetMac: PsValue.string(mac), oldDeviceIds: PsValue.stringArray(find.oldDeviceIds ?? []), waitSeconds: PsValue.int(wait) });
}

/**
 * The script as text for the steps built line by line (static-ip.ts), with the LF line ends they
 * have always stored it with: plan/nics.ts finds the `$targetMac = '...'` line by a pattern that
 * ends the line at LF.
 */
export function findAdapterScript(find: FindAdapter): string {
  return findAdapterValue(find).text.replace(/\r\n/g, "\n");
}
