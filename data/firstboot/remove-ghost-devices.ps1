## p2vfix step remove-ghost-devices: removes non-present devices of the old hardware by class.
## Listing reads the Enum tree; removal is pnputil /remove-device from build 19041, before it DIF_REMOVE
## through the class installer (setupapi-remove-device.cs, loaded with Add-Type). Why and sources:
## src/firstboot/steps/ghost-devices.ts. Tags are filled by src/firstboot/render-template.ts.
$classGuids = '{{p2vfix:classGuids}}'
$classNames = '{{p2vfix:classNames}}'
$vendorClassGuid = '{{p2vfix:vendorClassGuid}}'
$vendorPrefixes = '{{p2vfix:vendorPrefixes}}'
$keepPrefixes = '{{p2vfix:keepPrefixes}}'
$neverGuids = '{{p2vfix:neverGuids}}'
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
$useSetupApi = $build -lt '{{p2vfix:pnputilRemoveBuild}}'
if ($useSetupApi) {
  try {
    Add-Type -TypeDefinition '{{p2vfix:setupApiSource}}' -ErrorAction Stop
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
