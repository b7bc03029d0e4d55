$classGuids = @('{4d36e972-e325-11ce-bfc1-08002be10318}')
$classNames = @('Net')
$vendorClassGuid = '{4d36e97d-e325-11ce-bfc1-08002be10318}'
$vendorPrefixes = @()
$keepPrefixes = @('ROOT\','SWD\','HTREE\','STORAGE\VOLUMESNAPSHOT','SW\')
$neverGuids = @('{8ecc055d-047f-11d1-a537-0000f8753ed1}','{50127dc3-0f36-415e-a6cc-4cb3be910b65}')
$maxDevices = 20000
$present = @{}
foreach ($d in @(Get-WmiObject -Class Win32_PnPEntity)) {
  if ($d.DeviceID -and [int]$d.ConfigManagerErrorCode -ne 45) { $present[([string]$d.DeviceID).ToUpper()] = $true }
}
# Device instances: Enum\<enumerator>\<device>\<instance>, read only.
$enumRoot = 'HKLM:\SYSTEM\CurrentControlSet\Enum'
$ghosts = @()
$seen = 0
foreach ($bus in @(Get-ChildItem -Path $enumRoot -ErrorAction SilentlyContinue)) {
  foreach ($dev in @(Get-ChildItem -Path $bus.PSPath -ErrorAction SilentlyContinue)) {
    foreach ($inst in @(Get-ChildItem -Path $dev.PSPath -ErrorAction SilentlyContinue)) {
      $seen = $seen + 1
      if ($seen -gt $maxDevices) { break }
      $id = ($bus.PSChildName + '\' + $dev.PSChildName + '\' + $inst.PSChildName).ToUpper()
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
$useSetupApi = $build -lt 19041
if ($useSetupApi) {
  try {
    Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class P2vfixSetupApi {
  [StructLayout(LayoutKind.Sequential)]
  public struct DevInfoData { public int Size; public Guid ClassGuid; public int DevInst; public IntPtr Reserved; }
  [StructLayout(LayoutKind.Sequential)]
  public struct RemoveDeviceParams { public int HeaderSize; public int InstallFunction; public int Scope; public int HwProfile; }
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  public struct DevInstallParams {
    public int Size; public int Flags; public int FlagsEx; public IntPtr HwndParent; public IntPtr InstallMsgHandler;
    public IntPtr InstallMsgHandlerContext; public IntPtr FileQueue; public UIntPtr ClassInstallReserved; public int Reserved;
    [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)] public string DriverPath;
  }
  const int DIF_REMOVE = 0x05;
  const int DI_REMOVEDEVICE_GLOBAL = 0x01;
  const int DI_NEEDRESTART = 0x80;
  const int DI_NEEDREBOOT = 0x100;
  const int ERROR_SUCCESS_REBOOT_REQUIRED = 3010;
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern IntPtr SetupDiCreateDeviceInfoList(IntPtr classGuid, IntPtr parent);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiOpenDeviceInfoW(IntPtr set, string instanceId, IntPtr parent, int flags, ref DevInfoData data);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiSetClassInstallParamsW(IntPtr set, ref DevInfoData data, ref RemoveDeviceParams parameters, int size);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiCallClassInstaller(int installFunction, IntPtr set, ref DevInfoData data);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiGetDeviceInstallParamsW(IntPtr set, ref DevInfoData data, ref DevInstallParams parameters);
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
      // The device is gone; only whether Windows asks for a restart is left to learn, so a
      // failure to read the parameters still counts as removed.
      DevInstallParams after = new DevInstallParams();
      after.Size = Marshal.SizeOf(typeof(DevInstallParams));
      if (SetupDiGetDeviceInstallParamsW(set, ref data, ref after) && (after.Flags & (DI_NEEDRESTART | DI_NEEDREBOOT)) != 0) return ERROR_SUCCESS_REBOOT_REQUIRED;
      return 0;
    } finally {
      SetupDiDestroyDeviceInfoList(set);
    }
  }
}
'@ -ErrorAction Stop
  } catch {
    foreach ($g in $ghosts) { Write-Output ('not removed (no SetupAPI access): ' + $g.Class + ' ' + $g.Id) }
    exit 3
  }
}
$removed = @{}
$failed = 0
$restart = $false
foreach ($g in $ghosts) {
  if ($useSetupApi) {
    $code = [P2vfixSetupApi]::Remove($g.Id)
  } else {
    $null = & pnputil.exe /remove-device $g.Id 2>&1
    $code = $LASTEXITCODE
  }
  if ($code -eq 0 -or $code -eq 3010) {
    $removed[$g.Class] = 1 + [int]$removed[$g.Class]
    if ($code -eq 3010) {
      $restart = $true
      Write-Output ('removed (Windows asks for a restart) ' + $g.Class + ' ' + $g.Id)
    } else {
      Write-Output ('removed ' + $g.Class + ' ' + $g.Id)
    }
  } else {
    $failed = $failed + 1
    Write-Output ('failed (' + $code + ') ' + $g.Class + ' ' + $g.Id)
  }
}
$parts = @()
foreach ($k in @($removed.Keys | Sort-Object)) { $parts = $parts + ($k + ': ' + $removed[$k]) }
Write-Output ('removed ' + ($ghosts.Count - $failed) + ' non-present devices (' + ($parts -join ', ') + ')')
if ($failed -gt 0) { exit 1 }
# 3010 tells the runner a restart is needed (its ok-reboot status), as pnputil's own code does.
if ($restart) { exit 3010 }
exit 0