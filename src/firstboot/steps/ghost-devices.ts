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
import { psInt, psStringArray } from "../powershell-text.js";
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
 * default DIF_REMOVE handler, "only class installers should call" it) skips.
 * Sources (Microsoft Learn): setupapi SP_REMOVEDEVICE_PARAMS, SP_CLASSINSTALL_HEADER,
 * SetupDiSetClassInstallParamsW, SetupDiCallClassInstaller, SetupDiRemoveDevice, DIF_REMOVE.
 * setupapi.h: DIF_REMOVE = 0x05, DI_REMOVEDEVICE_GLOBAL = 0x01; the header is 8 bytes
 * (cbSize, InstallFunction), the parameters 16 (header, Scope, HwProfile).
 */
const SETUPAPI_CSHARP = `using System;
using System.Runtime.InteropServices;
public static class P2vfixSetupApi {
  [StructLayout(LayoutKind.Sequential)]
  public struct DevInfoData { public int Size; public Guid ClassGuid; public int DevInst; public IntPtr Reserved; }
  [StructLayout(LayoutKind.Sequential)]
  public struct RemoveDeviceParams { public int HeaderSize; public int InstallFunction; public int Scope; public int HwProfile; }
  const int DIF_REMOVE = 0x05;
  const int DI_REMOVEDEVICE_GLOBAL = 0x01;
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern IntPtr SetupDiCreateDeviceInfoList(IntPtr classGuid, IntPtr parent);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiOpenDeviceInfoW(IntPtr set, string instanceId, IntPtr parent, int flags, ref DevInfoData data);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiSetClassInstallParamsW(IntPtr set, ref DevInfoData data, ref RemoveDeviceParams parameters, int size);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiCallClassInstaller(int installFunction, IntPtr set, ref DevInfoData data);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiDestroyDeviceInfoList(IntPtr set);
  public static int Remove(string instanceId) {
    IntPtr set = SetupDiCreateDeviceInfoList(IntPtr.Zero, IntPtr.Zero);
    if (set == new IntPtr(-1)) return Marshal.GetLastWin32Error();
    try {
      DevInfoData data = new DevInfoData();
      data.Size = Marshal.SizeOf(typeof(DevInfoData));
      if (!SetupDiOpenDeviceInfoW(set, instanceId, IntPtr.Zero, 0, ref data)) return Marshal.GetLastWin32Error();
      RemoveDeviceParams p = new RemoveDeviceParams();
      p.HeaderSize = 8;
      p.InstallFunction = DIF_REMOVE;
      p.Scope = DI_REMOVEDEVICE_GLOBAL;
      p.HwProfile = 0;
      if (!SetupDiSetClassInstallParamsW(set, ref data, ref p, Marshal.SizeOf(typeof(RemoveDeviceParams)))) return Marshal.GetLastWin32Error();
      if (!SetupDiCallClassInstaller(DIF_REMOVE, set, ref data)) return Marshal.GetLastWin32Error();
      return 0;
    } finally {
      SetupDiDestroyDeviceInfoList(set);
    }
  }
}`;

export function removeGhostDevicesStep(options: GhostDeviceOptions = {}): FirstBootStep {
  const filters = ghostFilters();
  const wanted = options.classes ?? filters.classes.filter((c) => c.default).map((c) => c.name);
  const classes = wanted.map((name) => {
    const found = filters.classes.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new PlanError("unknown-device-class", `device class ${JSON.stringify(name)} is not removable (choose from ${filters.classes.map((c) => c.name).join(", ")})`);
    return found;
  });
  const vendors = (options.oldPciVendors ?? []).map((v) => {
    const id = v.trim().toUpperCase().replace(/^(PCI\\)?VEN_/, "");
    if (!/^[0-9A-F]{4}$/.test(id)) throw new PlanError("bad-pci-vendor", `not a PCI vendor id: ${JSON.stringify(v)}`);
    return `PCI\\VEN_${id}&`;
  });
  const script = `$classGuids = ${psStringArray(classes.map((c) => c.guid))}
$classNames = ${psStringArray(classes.map((c) => c.name))}
$vendorClassGuid = '${filters.vendorClass.guid}'
$vendorPrefixes = ${psStringArray(vendors)}
$keepPrefixes = ${psStringArray(filters.keepPrefixes.map((k) => k.prefix))}
$neverGuids = ${psStringArray(filters.neverClasses.map((c) => c.guid))}
$maxDevices = 20000
$present = @{}
foreach ($d in @(Get-WmiObject -Class Win32_PnPEntity)) {
  if ($d.DeviceID -and [int]$d.ConfigManagerErrorCode -ne 45) { $present[([string]$d.DeviceID).ToUpper()] = $true }
}
# Device instances: Enum\\<enumerator>\\<device>\\<instance>, read only.
$enumRoot = 'HKLM:\\SYSTEM\\CurrentControlSet\\Enum'
$ghosts = @()
$seen = 0
foreach ($bus in @(Get-ChildItem -Path $enumRoot -ErrorAction SilentlyContinue)) {
  foreach ($dev in @(Get-ChildItem -Path $bus.PSPath -ErrorAction SilentlyContinue)) {
    foreach ($inst in @(Get-ChildItem -Path $dev.PSPath -ErrorAction SilentlyContinue)) {
      $seen = $seen + 1
      if ($seen -gt $maxDevices) { break }
      $id = ($bus.PSChildName + '\\' + $dev.PSChildName + '\\' + $inst.PSChildName).ToUpper()
      if ($present.ContainsKey($id)) { continue }
      $keep = $false
      foreach ($p in $keepPrefixes) { if ($id.StartsWith($p.ToUpper())) { $keep = $true } }
      if ($keep) { continue }
      $guid = [string](Get-ItemProperty -Path $inst.PSPath -Name ClassGUID -ErrorAction SilentlyContinue).ClassGUID
      $guid = $guid.ToLower()
      if (-not $guid -or $neverGuids -contains $guid) { continue }
      $class = $null
      for ($i = 0; $i -lt $classGuids.Count; $i++) { if ($classGuids[$i] -eq $guid) { $class = $classNames[$i] } }
      if ($class -eq $null -and $guid -eq $vendorClassGuid) {
        foreach ($v in $vendorPrefixes) { if ($id.StartsWith($v)) { $class = 'System' } }
      }
      if ($class -ne $null) { $ghosts = $ghosts + (New-Object -TypeName PSObject -Property @{ Id = $id; Class = $class }) }
    }
  }
}
Write-Output ('non-present devices to remove: ' + $ghosts.Count)
if ($ghosts.Count -eq 0) { exit 0 }
$build = [int](Get-WmiObject -Class Win32_OperatingSystem).BuildNumber
$useSetupApi = $build -lt ${psInt(PNPUTIL_REMOVE_BUILD)}
if ($useSetupApi) {
  try {
    Add-Type -TypeDefinition @'
${SETUPAPI_CSHARP}
'@ -ErrorAction Stop
  } catch {
    foreach ($g in $ghosts) { Write-Output ('not removed (no SetupAPI access): ' + $g.Class + ' ' + $g.Id) }
    exit 3
  }
}
$removed = @{}
$failed = 0
foreach ($g in $ghosts) {
  if ($useSetupApi) {
    $code = [P2vfixSetupApi]::Remove($g.Id)
  } else {
    $null = & pnputil.exe /remove-device $g.Id 2>&1
    $code = $LASTEXITCODE
  }
  if ($code -eq 0 -or $code -eq 3010) {
    $removed[$g.Class] = 1 + [int]$removed[$g.Class]
    Write-Output ('removed ' + $g.Class + ' ' + $g.Id)
  } else {
    $failed = $failed + 1
    Write-Output ('failed (' + $code + ') ' + $g.Class + ' ' + $g.Id)
  }
}
$parts = @()
foreach ($k in @($removed.Keys | Sort-Object)) { $parts = $parts + ($k + ': ' + $removed[$k]) }
Write-Output ('removed ' + ($ghosts.Count - $failed) + ' non-present devices (' + ($parts -join ', ') + ')')
if ($failed -gt 0) { exit 1 }
exit 0`;
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "ghost-devices",
    reason: "non-present devices of the old hardware keep IP addresses and driver bindings (reference §4.4, §8)",
    id: "remove-ghost-devices",
    title: `Remove non-present devices (${[...classes.map((c) => c.name), ...(vendors.length ? [`System of PCI ${vendors.map((v) => v.slice(8, 12)).join("/")}`] : [])].join(", ")})`,
    shell: "powershell",
    script: script.replace(/\r?\n/g, "\r\n"),
    timeoutSeconds: options.timeoutSeconds ?? 900,
    retries: 1,
  };
}
