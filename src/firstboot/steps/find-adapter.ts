/**
 * The PowerShell that finds the new NIC inside the booted VM, shared by the steps that
 * configure it: by MAC when the plan knows it (from the VM definition or the user), else as
 * the only physical adapter that was not in the image before (its PnP instance id is new).
 * It polls until the adapter appears, bounded by a deadline, and sets $nic (Win32_NetworkAdapter).
 */
import { PlanError } from "../../errors.js";
import { psInt, psString, psStringArray } from "../powershell-text.js";

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

export function findAdapterScript(find: FindAdapter): string {
  const wait = find.waitSeconds ?? 180;
  if (!Number.isInteger(wait) || wait < 0 || wait > 3600) throw new PlanError("bad-wait", `waitSeconds must be 0 to 3600, not ${wait}`);
  const mac = find.mac === undefined ? "" : normalizeMac(find.mac);
  return `$targetMac = ${psString(mac)}
$oldDeviceIds = ${psStringArray(find.oldDeviceIds ?? [])}
$deadline = (Get-Date).AddSeconds(${psInt(wait)})
$nic = $null
$why = 'no adapter found'
while ($nic -eq $null) {
  $physical = @(Get-WmiObject -Class Win32_NetworkAdapter -Filter 'PhysicalAdapter=TRUE' | Where-Object { $_.MACAddress })
  if ($targetMac) {
    $hits = @($physical | Where-Object { $_.MACAddress -eq $targetMac })
    $why = 'no physical adapter with MAC ' + $targetMac
  } else {
    $hits = @($physical | Where-Object { $oldDeviceIds -notcontains [string]$_.PNPDeviceID })
    $why = [string]$hits.Count + ' new physical adapters'
  }
  if ($hits.Count -eq 1) { $nic = $hits[0]; break }
  if ((Get-Date) -ge $deadline) { break }
  Start-Sleep -Seconds 5
}
if ($nic -eq $null) {
  Write-Output ('cannot find the new adapter: ' + $why)
  exit 2
}
Write-Output ('adapter: ' + $nic.Name + ' MAC ' + $nic.MACAddress + ' index ' + $nic.Index)`;
}
