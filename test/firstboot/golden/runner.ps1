# p2vfix first-boot runner (PowerShell 2.0 compatible). Started by the bootstrap with $m = hook name.
$ErrorActionPreference = 'Continue'
if (-not $m) { $m = 'manual' }
$fbKey = 'HKLM:\SOFTWARE\p2vfix\FirstBoot'
$stepsKey = 'HKLM:\SOFTWARE\p2vfix\FirstBoot\Steps'
$resultsKey = 'HKLM:\SOFTWARE\p2vfix\FirstBoot\Results'
$heldKey = 'HKLM:\SOFTWARE\p2vfix\FirstBoot\HeldServices'
$restoreKey = 'HKLM:\SOFTWARE\p2vfix\FirstBoot\Restore'
$setupOriginalKey = 'HKLM:\SOFTWARE\p2vfix\FirstBoot\SetupOriginal'
$setupKey = 'HKLM:\SYSTEM\Setup'
$serviceName = 'p2vfixFirstBoot'
$svcKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\' + $serviceName
$psExe = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$scExe = Join-Path $env:SystemRoot 'System32\sc.exe'
$env:P2VFIX_LOADER = 'JABFAHIAcgBvAHIAQQBjAHQAaQBvAG4AUAByAGUAZgBlAHIAZQBuAGMAZQAgAD0AIAAnAEMAbwBuAHQAaQBuAHUAZQAnAA0ACgB0AHIAeQAgAHsADQAKACAAIAAkAHMAIAA9ACAAKABHAGUAdAAtAEkAdABlAG0AUAByAG8AcABlAHIAdAB5ACAALQBQAGEAdABoACAAJABlAG4AdgA6AFAAMgBWAEYASQBYAF8AUwBUAEUAUAAgAC0ATgBhAG0AZQAgAFMAYwByAGkAcAB0ACkALgBTAGMAcgBpAHAAdAANAAoAIAAgAEkAbgB2AG8AawBlAC0ARQB4AHAAcgBlAHMAcwBpAG8AbgAgACQAcwANAAoAIAAgAGkAZgAgACgAJABMAEEAUwBUAEUAWABJAFQAQwBPAEQARQApACAAewAgAGUAeABpAHQAIAAkAEwAQQBTAFQARQBYAEkAVABDAE8ARABFACAAfQANAAoAIAAgAGUAeABpAHQAIAAwAA0ACgB9ACAAYwBhAHQAYwBoACAAewANAAoAIAAgAFcAcgBpAHQAZQAtAE8AdQB0AHAAdQB0ACAAKAAnAGUAcgByAG8AcgA6ACAAJwAgACsAIAAkAF8AKQANAAoAIAAgAGUAeABpAHQAIAAxAA0ACgB9AA=='
$stepSupervisor = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand JABFAHIAcgBvAHIAQQBjAHQAaQBvAG4AUAByAGUAZgBlAHIAZQBuAGMAZQAgAD0AIAAnAEMAbwBuAHQAaQBuAHUAZQAnAA0ACgAkAGMAbwBkAGUAIAA9ACAAMQANAAoAdAByAHkAIAB7AA0ACgAgACAAaQBmACAAKAAkAGUAbgB2ADoAUAAyAFYARgBJAFgAXwBDAE0ARAApACAAewANAAoAIAAgACAAIAAmACAAKABKAG8AaQBuAC0AUABhAHQAaAAgACQAZQBuAHYAOgBTAHkAcwB0AGUAbQBSAG8AbwB0ACAAJwBTAHkAcwB0AGUAbQAzADIAXABjAG0AZAAuAGUAeABlACcAKQAgAC8AZAAgAC8AYwAgACQAZQBuAHYAOgBQADIAVgBGAEkAWABfAEMATQBEACAAMgA+ACYAMQANAAoAIAAgAH0AIABlAGwAcwBlACAAewANAAoAIAAgACAAIAAmACAAKABKAG8AaQBuAC0AUABhAHQAaAAgACQAZQBuAHYAOgBTAHkAcwB0AGUAbQBSAG8AbwB0ACAAJwBTAHkAcwB0AGUAbQAzADIAXABXAGkAbgBkAG8AdwBzAFAAbwB3AGUAcgBTAGgAZQBsAGwAXAB2ADEALgAwAFwAcABvAHcAZQByAHMAaABlAGwAbAAuAGUAeABlACcAKQAgAC0ATgBvAFAAcgBvAGYAaQBsAGUAIAAtAE4AbwBuAEkAbgB0AGUAcgBhAGMAdABpAHYAZQAgAC0ARQB4AGUAYwB1AHQAaQBvAG4AUABvAGwAaQBjAHkAIABCAHkAcABhAHMAcwAgAC0ARQBuAGMAbwBkAGUAZABDAG8AbQBtAGEAbgBkACAAJABlAG4AdgA6AFAAMgBWAEYASQBYAF8ATABPAEEARABFAFIAIAAyAD4AJgAxAA0ACgAgACAAfQANAAoAIAAgACQAYwBvAGQAZQAgAD0AIAAkAEwAQQBTAFQARQBYAEkAVABDAE8ARABFAA0ACgAgACAAaQBmACAAKAAkAGMAbwBkAGUAIAAtAGUAcQAgACQAbgB1AGwAbAApACAAewAgACQAYwBvAGQAZQAgAD0AIAAxACAAfQANAAoAfQAgAGMAYQB0AGMAaAAgAHsADQAKACAAIABXAHIAaQB0AGUALQBPAHUAdABwAHUAdAAgACgAJwBlAHIAcgBvAHIAOgAgACcAIAArACAAJABfACkADQAKAH0ADQAKACQAbgB1AGwAbAAgAD0AIABOAGUAdwAtAEkAdABlAG0AUAByAG8AcABlAHIAdAB5ACAALQBQAGEAdABoACAAJABlAG4AdgA6AFAAMgBWAEYASQBYAF8AUgBFAFMAVQBMAFQAIAAtAE4AYQBtAGUAIABDAGgAaQBsAGQARQB4AGkAdAAgAC0AVgBhAGwAdQBlACAAKABbAHMAdAByAGkAbgBnAF0AJABjAG8AZABlACkAIAAtAFAAcgBvAHAAZQByAHQAeQBUAHkAcABlACAAUwB0AHIAaQBuAGcAIAAtAEYAbwByAGMAZQANAAoAZQB4AGkAdAAgACQAYwBvAGQAZQA='
$pnpSettle = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand JABkAGUAYQBkAGwAaQBuAGUAIAA9ACAAKABHAGUAdAAtAEQAYQB0AGUAKQAuAEEAZABkAFMAZQBjAG8AbgBkAHMAKABbAGkAbgB0AF0AJABlAG4AdgA6AFAAMgBWAEYASQBYAF8AUwBFAFQAVABMAEUAKQANAAoAJABsAGEAcwB0ACAAPQAgAC0AMQANAAoAJABzAHQAYQBiAGwAZQAgAD0AIAAwAA0ACgB3AGgAaQBsAGUAIAAoACgARwBlAHQALQBEAGEAdABlACkAIAAtAGwAdAAgACQAZABlAGEAZABsAGkAbgBlACkAIAB7AA0ACgAgACAAJABjAG8AdQBuAHQAIAA9ACAAQAAoAEcAZQB0AC0AVwBtAGkATwBiAGoAZQBjAHQAIAAtAEMAbABhAHMAcwAgAFcAaQBuADMAMgBfAFAAbgBQAEUAbgB0AGkAdAB5ACAALQBFAHIAcgBvAHIAQQBjAHQAaQBvAG4AIABTAGkAbABlAG4AdABsAHkAQwBvAG4AdABpAG4AdQBlACkALgBDAG8AdQBuAHQADQAKACAAIAAkAGkAbgBzAHQAYQBsAGwAaQBuAGcAIAA9ACAAQAAoAEcAZQB0AC0AUAByAG8AYwBlAHMAcwAgAC0ATgBhAG0AZQAgAGQAcgB2AGkAbgBzAHQAIAAtAEUAcgByAG8AcgBBAGMAdABpAG8AbgAgAFMAaQBsAGUAbgB0AGwAeQBDAG8AbgB0AGkAbgB1AGUAKQAuAEMAbwB1AG4AdAANAAoAIAAgAGkAZgAgACgAJABjAG8AdQBuAHQAIAAtAGUAcQAgACQAbABhAHMAdAAgAC0AYQBuAGQAIAAkAGkAbgBzAHQAYQBsAGwAaQBuAGcAIAAtAGUAcQAgADAAKQAgAHsAIAAkAHMAdABhAGIAbABlACAAPQAgACQAcwB0AGEAYgBsAGUAIAArACAAMQAgAH0AIABlAGwAcwBlACAAewAgACQAcwB0AGEAYgBsAGUAIAA9ACAAMAAgAH0ADQAKACAAIAAkAGwAYQBzAHQAIAA9ACAAJABjAG8AdQBuAHQADQAKACAAIABpAGYAIAAoACQAcwB0AGEAYgBsAGUAIAAtAGcAZQAgADMAKQAgAHsAIABlAHgAaQB0ACAAMAAgAH0ADQAKACAAIABTAHQAYQByAHQALQBTAGwAZQBlAHAAIAAtAFMAZQBjAG8AbgBkAHMAIAA1AA0ACgB9AA0ACgBlAHgAaQB0ACAAMgA='
$processSweep = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand JAByAG8AbwB0ACAAPQAgAFsAaQBuAHQAXQAkAGUAbgB2ADoAUAAyAFYARgBJAFgAXwBSAE8ATwBUAA0ACgAkAHMAaQBuAGMAZQAgAD0AIABbAHMAdAByAGkAbgBnAF0AJABlAG4AdgA6AFAAMgBWAEYASQBYAF8AUwBJAE4AQwBFAA0ACgAkAHMAZQBzAHMAaQBvAG4AIAA9ACAAWwBzAHQAcgBpAG4AZwBdACQAZQBuAHYAOgBQADIAVgBGAEkAWABfAFMARQBTAFMASQBPAE4ADQAKACQAcAByAG8AdABlAGMAdABlAGQAIAA9ACAAQAAoACcAYwBzAHIAcwBzACcALAAgACcAdwBpAG4AaQBuAGkAdAAnACwAIAAnAHcAaQBuAGwAbwBnAG8AbgAnACwAIAAnAHMAZQByAHYAaQBjAGUAcwAnACwAIAAnAGwAcwBhAHMAcwAnACwAIAAnAHMAbQBzAHMAJwAsACAAJwBzAHYAYwBoAG8AcwB0ACcALAAgACcAZQB4AHAAbABvAHIAZQByACcALAAgACcAdQBzAGUAcgBpAG4AaQB0ACcALAAgACcAZAB3AG0AJwAsACAAJwBsAG8AZwBvAG4AdQBpACcALAAgACcAdABhAHMAawBoAG8AcwB0ACcALAAgACcAdABhAHMAawBoAG8AcwB0AHcAJwAsACAAJwB0AGEAcwBrAGgAbwBzAHQAZQB4ACcALAAgACcAcwBpAGgAbwBzAHQAJwAsACAAJwBjAHQAZgBtAG8AbgAnACwAIAAnAGYAbwBuAHQAZAByAHYAaABvAHMAdAAnACwAIAAnAG0AcwBpAGUAeABlAGMAJwApAA0ACgAkAGEAbABsACAAPQAgAEAAKABHAGUAdAAtAFcAbQBpAE8AYgBqAGUAYwB0ACAALQBDAGwAYQBzAHMAIABXAGkAbgAzADIAXwBQAHIAbwBjAGUAcwBzACAALQBFAHIAcgBvAHIAQQBjAHQAaQBvAG4AIABTAGkAbABlAG4AdABsAHkAQwBvAG4AdABpAG4AdQBlACkADQAKACQAYwByAGUAYQB0AGUAZAAgAD0AIABAAHsAfQANAAoAZgBvAHIAZQBhAGMAaAAgACgAJAB4ACAAaQBuACAAJABhAGwAbAApACAAewAgACQAYwByAGUAYQB0AGUAZABbAFsAaQBuAHQAXQAkAHgALgBQAHIAbwBjAGUAcwBzAEkAZABdACAAPQAgAFsAcwB0AHIAaQBuAGcAXQAkAHgALgBDAHIAZQBhAHQAaQBvAG4ARABhAHQAZQAgAH0ADQAKACQAbQBpAG4AZQAgAD0AIABAAHsAfQANAAoAJABtAGkAbgBlAFsAJAByAG8AbwB0AF0AIAA9ACAAJAB0AHIAdQBlAA0ACgAkAHAAYQBzAHMAIAA9ACAAMAANAAoAdwBoAGkAbABlACAAKAAkAHAAYQBzAHMAIAAtAGwAdAAgADMAMgApACAAewANAAoAIAAgACQAcABhAHMAcwAgAD0AIAAkAHAAYQBzAHMAIAArACAAMQANAAoAIAAgACQAZwByAGUAdwAgAD0AIAAkAGYAYQBsAHMAZQANAAoAIAAgAGYAbwByAGUAYQBjAGgAIAAoACQAeAAgAGkAbgAgACQAYQBsAGwAKQAgAHsADQAKACAAIAAgACAAJABpAGQAIAA9ACAAWwBpAG4AdABdACQAeAAuAFAAcgBvAGMAZQBzAHMASQBkAA0ACgAgACAAIAAgACQAcABhAHIAZQBuAHQAIAA9ACAAWwBpAG4AdABdACQAeAAuAFAAYQByAGUAbgB0AFAAcgBvAGMAZQBzAHMASQBkAA0ACgAgACAAIAAgAGkAZgAgACgAJABtAGkAbgBlAFsAJABpAGQAXQAgAC0AbwByACAALQBuAG8AdAAgACQAbQBpAG4AZQBbACQAcABhAHIAZQBuAHQAXQAgAC0AbwByACAAJABpAGQAIAAtAGUAcQAgACQAUABJAEQAKQAgAHsAIABjAG8AbgB0AGkAbgB1AGUAIAB9AA0ACgAgACAAIAAgAGkAZgAgACgAJABjAHIAZQBhAHQAZQBkAFsAJABwAGEAcgBlAG4AdABdACAALQBhAG4AZAAgAFsAcwB0AHIAaQBuAGcAXQAkAHgALgBDAHIAZQBhAHQAaQBvAG4ARABhAHQAZQAgAC0AbAB0ACAAJABjAHIAZQBhAHQAZQBkAFsAJABwAGEAcgBlAG4AdABdACkAIAB7ACAAYwBvAG4AdABpAG4AdQBlACAAfQANAAoAIAAgACAAIAAkAG0AaQBuAGUAWwAkAGkAZABdACAAPQAgACQAdAByAHUAZQANAAoAIAAgACAAIAAkAGcAcgBlAHcAIAA9ACAAJAB0AHIAdQBlAA0ACgAgACAAfQANAAoAIAAgAGkAZgAgACgALQBuAG8AdAAgACQAZwByAGUAdwApACAAewAgAGIAcgBlAGEAawAgAH0ADQAKAH0ADQAKAGYAbwByAGUAYQBjAGgAIAAoACQAeAAgAGkAbgAgACQAYQBsAGwAKQAgAHsADQAKACAAIAAkAGkAZAAgAD0AIABbAGkAbgB0AF0AJAB4AC4AUAByAG8AYwBlAHMAcwBJAGQADQAKACAAIABpAGYAIAAoACQAbQBpAG4AZQBbACQAaQBkAF0AIAAtAG8AcgAgACQAaQBkACAALQBlAHEAIAAkAFAASQBEACkAIAB7ACAAYwBvAG4AdABpAG4AdQBlACAAfQANAAoAIAAgACQAbgBhAG0AZQAgAD0AIAAoAFsAcwB0AHIAaQBuAGcAXQAkAHgALgBOAGEAbQBlACkAIAAtAHIAZQBwAGwAYQBjAGUAIAAnAFwALgBlAHgAZQAkACcALAAgACcAJwANAAoAIAAgAGkAZgAgACgAJABwAHIAbwB0AGUAYwB0AGUAZAAgAC0AYwBvAG4AdABhAGkAbgBzACAAJABuAGEAbQBlAC4AVABvAEwAbwB3AGUAcgAoACkAKQAgAHsAIABjAG8AbgB0AGkAbgB1AGUAIAB9AA0ACgAgACAAaQBmACAAKABbAHMAdAByAGkAbgBnAF0AJAB4AC4AUwBlAHMAcwBpAG8AbgBJAGQAIAAtAG4AZQAgACQAcwBlAHMAcwBpAG8AbgApACAAewAgAGMAbwBuAHQAaQBuAHUAZQAgAH0ADQAKACAAIAAkAHcAaABlAG4AIAA9ACAAWwBzAHQAcgBpAG4AZwBdACQAeAAuAEMAcgBlAGEAdABpAG8AbgBEAGEAdABlAA0ACgAgACAAaQBmACAAKAAkAHcAaABlAG4ALgBMAGUAbgBnAHQAaAAgAC0AbAB0ACAAMQA0ACAALQBvAHIAIAAkAHcAaABlAG4ALgBTAHUAYgBzAHQAcgBpAG4AZwAoADAALAAgADEANAApACAALQBsAHQAIAAkAHMAaQBuAGMAZQApACAAewAgAGMAbwBuAHQAaQBuAHUAZQAgAH0ADQAKACAAIAAkAHAAYQByAGUAbgB0ACAAPQAgAFsAaQBuAHQAXQAkAHgALgBQAGEAcgBlAG4AdABQAHIAbwBjAGUAcwBzAEkAZAANAAoAIAAgACQAcABhAHIAZQBuAHQARwBvAG4AZQAgAD0AIAAoAC0AbgBvAHQAIAAkAGMAcgBlAGEAdABlAGQAWwAkAHAAYQByAGUAbgB0AF0AKQAgAC0AbwByACAAKAAkAGMAcgBlAGEAdABlAGQAWwAkAHAAYQByAGUAbgB0AF0AIAAtAGcAdAAgACQAdwBoAGUAbgApAA0ACgAgACAAaQBmACAAKAAkAHAAYQByAGUAbgB0AEcAbwBuAGUAKQAgAHsAIAAkAG0AaQBuAGUAWwAkAGkAZABdACAAPQAgACQAdAByAHUAZQAgAH0ADQAKAH0ADQAKAGYAbwByAGUAYQBjAGgAIAAoACQAaQBkACAAaQBuACAAQAAoACQAbQBpAG4AZQAuAEsAZQB5AHMAKQApACAAewAgAGkAZgAgACgAJABpAGQAIAAtAG4AZQAgACQAcgBvAG8AdAApACAAewAgAFcAcgBpAHQAZQAtAE8AdQB0AHAAdQB0ACAAJABpAGQAIAB9ACAAfQANAAoAZQB4AGkAdAAgADAA'
$untrusted = @('BU', 'AU', 'WD', 'IU', 'BG', 'S-1-5-32-545', 'S-1-5-11', 'S-1-1-0', 'S-1-5-4')
$maxSteps = 999
$tailLines = 20
$lineChars = 240
$phaseEnd = $null

function Get-Val($path, $name, $default) {
  $item = Get-ItemProperty -Path $path -Name $name -ErrorAction SilentlyContinue
  if ($item -eq $null) { return $default }
  return $item.$name
}

function Set-Val($path, $name, $value, $type) {
  if (-not (Test-Path -Path $path)) { $null = New-Item -Path $path -Force }
  $null = New-ItemProperty -Path $path -Name $name -Value $value -PropertyType $type -Force
}

function Get-Now {
  return (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
}

# SYSTEM\Setup: put back what was there, but only while the CmdLine is still ours.
function Disable-SetupHook {
  if (-not (Test-Path -Path $setupOriginalKey)) { return }
  $ours = Get-Val $setupOriginalKey 'Installed' $null
  $now = Get-Val $setupKey 'CmdLine' $null
  if ($ours -ne $null -and [string]$now -ne [string]$ours) { return }
  Set-Val $setupKey 'SetupType' ([int](Get-Val $setupOriginalKey 'SetupType' 0)) 'DWord'
  $cmdType = Get-Val $setupOriginalKey 'CmdLineType' 'String'
  if ($cmdType -eq 'Absent') {
    Remove-ItemProperty -Path $setupKey -Name 'CmdLine' -ErrorAction SilentlyContinue
  } else {
    Set-Val $setupKey 'CmdLine' (Get-Val $setupOriginalKey 'CmdLine' '') $cmdType
  }
}

# The fallback service: never start again (every control set), then delete it.
function Disable-ServiceHook {
  foreach ($set in @(Get-ChildItem -Path 'HKLM:\SYSTEM' -ErrorAction SilentlyContinue | Where-Object { $_.PSChildName -like 'ControlSet0*' })) {
    $svc = 'HKLM:\SYSTEM\' + $set.PSChildName + '\Services\' + $serviceName
    if (Test-Path -Path $svc) { Set-Val $svc 'Start' 4 'DWord' }
  }
  $null = & $scExe delete $serviceName 2>&1
}

# This process as "<pid>@<start time>": stable for its life, never matched by a reused PID.
function Get-ClaimOf($p) {
  return [string]$p.Id + '@' + $p.StartTime.ToUniversalTime().ToString('yyyyMMddHHmmssfffffff')
}

function Get-MyClaim {
  return Get-ClaimOf (Get-Process -Id $PID)
}

function Test-ClaimAlive($claim) {
  if (-not ([string]$claim -match '^(\d+)@')) { return $false }
  $p = Get-Process -Id ([int]$matches[1]) -ErrorAction SilentlyContinue
  if ($p -eq $null) { return $false }
  return ((Get-ClaimOf $p) -eq $claim)
}

# Seconds left in the Setup-hook phase (the service has no phase deadline).
function Get-PhaseLeft {
  if ($phaseEnd -eq $null) { return 2147483647 }
  return [int](($phaseEnd - (Get-Date)).TotalSeconds)
}

# A folder is safe when it is no reparse point, SYSTEM or Administrators own it, and no
# untrusted group (Users, Authenticated Users, Everyone...) has any allow ACE on it other
# than read/execute. SDDL is not localized, unlike account names.
function Test-SafeFolder($path) {
  $item = Get-Item -Path $path -Force -ErrorAction SilentlyContinue
  if ($item -eq $null -or -not $item.PSIsContainer) { return $false }
  if ([string]$item.Attributes -match 'ReparsePoint') { return $false }
  $acl = Get-Acl -Path $path -ErrorAction SilentlyContinue
  if ($acl -eq $null) { return $false }
  $sddl = [string]$acl.Sddl
  if (-not ($sddl -match '^O:(SY|BA|S-1-5-18|S-1-5-32-544)(G:|D:|$)')) { return $false }
  foreach ($ace in @($sddl -split '\(')) {
    if (-not ($ace -match '^A;[^;]*;([^;]*);[^;]*;[^;]*;([^)]*)\)')) { continue }
    if ($untrusted -contains $matches[2] -and $matches[1] -notmatch '^(FR|GR|GX|FX|GRGX|FRFX|0x1200a9)?$') { return $false }
  }
  return $true
}

# The working folder: under the SYSTEM profile, checked before every use of a new one; an
# unsafe one is never used, deleted or followed: a fresh name is tried instead.
function Get-WorkDir {
  $parent = Join-Path $env:SystemRoot 'System32\config\systemprofile'
  if (-not (Test-SafeFolder $parent)) { return $null }
  $try = 0
  while ($try -lt 3) {
    $try = $try + 1
    $dir = Join-Path $env:SystemRoot 'System32\config\systemprofile\p2vfix-firstboot'
    if ($try -gt 1) { $dir = $dir + '-' + [string](Get-Random) }
    if (-not (Test-Path -Path $dir)) { $null = New-Item -Path $dir -ItemType Directory -ErrorAction SilentlyContinue }
    if (Test-SafeFolder $dir) { return $dir }
  }
  return $null
}

function Stop-ProcessTree($p, $since) {
  $null = & taskkill.exe /T /F /PID $p.Id 2>&1
  $env:P2VFIX_ROOT = [string]$p.Id
  $env:P2VFIX_SINCE = $since
  $env:P2VFIX_SESSION = [string](Get-Process -Id $PID).SessionId
  $sweepOut = Join-Path $workDir 'sweep.out.txt'
  $sweep = Invoke-Child $processSweep $sweepOut (Join-Path $workDir 'sweep.err.txt') 60 $null $false
  if ($sweep.Code -ne 0) { return }
  foreach ($line in @(Get-Content -Path $sweepOut -ErrorAction SilentlyContinue)) {
    if ([string]$line -match '^\d+$' -and [int]$line -ne $PID) { $null = & taskkill.exe /T /F /PID ([string]$line) 2>&1 }
  }
}

# A child PowerShell with a time limit (any length: polled, no Wait-Process 32767 s cap) and
# the Setup-hook phase deadline. On either limit it is killed with its whole tree. The exit
# code comes from what the supervisor recorded in $resultKey when there is one.
function Invoke-Child($arguments, $outFile, $errFile, $limit, $resultKey, $inPhase) {
  $r = @{ Code = -1; TimedOut = $false; Interrupted = $false }
  $left = 2147483647
  if ($inPhase) { $left = Get-PhaseLeft }
  $cut = $false
  if ($left -lt $limit) { $limit = $left; $cut = $true }
  if ($limit -lt 1) { $r.Interrupted = $true; return $r }
  if ($resultKey -ne $null) { Remove-ItemProperty -Path $resultKey -Name 'ChildExit' -ErrorAction SilentlyContinue }
  Remove-Item -Path $outFile, $errFile -Force -ErrorAction SilentlyContinue
  $since = (Get-Date).ToString('yyyyMMddHHmmss')
  $p = $null
  try {
    $p = Start-Process -FilePath $psExe -ArgumentList $arguments -NoNewWindow -PassThru -RedirectStandardOutput $outFile -RedirectStandardError $errFile
  } catch {
    Set-Content -Path $errFile -Value ('could not start: ' + $_) -ErrorAction SilentlyContinue
    return $r
  }
  $deadline = (Get-Date).AddSeconds($limit)
  if ($p -ne $null) {
    $null = $p.Handle
    while (-not $p.HasExited -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 1 }
    if (-not $p.HasExited) {
      if ($cut) { $r.Interrupted = $true } else { $r.TimedOut = $true }
      if ($resultKey -ne $null) { Stop-ProcessTree $p $since } else { $null = & taskkill.exe /T /F /PID $p.Id 2>&1 }
      return $r
    }
  }
  $recorded = $null
  if ($resultKey -ne $null) { $recorded = Get-Val $resultKey 'ChildExit' $null }
  if ($recorded -ne $null -and [string]$recorded -match '^-?\d+$') { $code = [long][string]$recorded } elseif ($p -ne $null) { $code = [long]$p.ExitCode } else { $code = -1 }
  if ($code -gt 2147483647) { $code = $code - 4294967296 }
  $r.Code = [int]$code
  return $r
}

function Get-Tail($files) {
  $lines = @()
  foreach ($f in $files) {
    if (Test-Path -Path $f) { $lines = $lines + @(Get-Content -Path $f -ErrorAction SilentlyContinue) }
  }
  $tail = @($lines | Where-Object { $_ -ne $null -and ([string]$_).Trim() -ne '' } | Select-Object -Last $tailLines)
  $out = @()
  foreach ($line in $tail) {
    $text = [string]$line
    if ($text.Length -gt $lineChars) { $text = $text.Substring(0, $lineChars) }
    $out = $out + $text
  }
  if ($out.Count -eq 0) { $out = @('') }
  return [string[]]$out
}

function Skip-Step($stepPath, $why) {
  $id = [string](Get-Val $stepPath 'Id' (Split-Path -Path $stepPath -Leaf))
  $res = $resultsKey + '\' + $id
  if ([string](Get-Val $res 'Status' '') -eq 'ok') { return }
  Set-Val $res 'Title' ([string](Get-Val $stepPath 'Title' $id)) 'String'
  Set-Val $res 'Status' $why 'String'
}

# Runs one step: a supervised child per attempt; retries after a growing pause while the phase
# has time. 'interrupted' = the Setup-hook phase deadline cut the attempt.
function Invoke-Step($stepPath, $workDir) {
  $id = [string](Get-Val $stepPath 'Id' (Split-Path -Path $stepPath -Leaf))
  $title = [string](Get-Val $stepPath 'Title' $id)
  $shell = [string](Get-Val $stepPath 'Shell' 'powershell')
  $timeout = [int](Get-Val $stepPath 'TimeoutSeconds' 600)
  $retries = [int](Get-Val $stepPath 'Retries' 0)
  if ($timeout -lt 1 -or $timeout -gt 86400) { $timeout = 600 }
  if ($retries -lt 0 -or $retries -gt 10) { $retries = 0 }
  $res = $resultsKey + '\' + $id
  if ([string](Get-Val $res 'Status' '') -eq 'ok') { return 'ok' }
  $attempts = [int](Get-Val $res 'Attempts' 0)
  Set-Val $res 'Title' $title 'String'
  $env:P2VFIX_STEP = $stepPath
  $env:P2VFIX_RESULT = $res
  $env:P2VFIX_CMD = ''
  if ($shell -eq 'cmd') {
    $env:P2VFIX_CMD = Join-Path $workDir ($id + '.cmd')
    Set-Content -Path $env:P2VFIX_CMD -Value ([byte[]](Get-Val $stepPath 'ScriptBytes' @())) -Encoding Byte
  }
  $status = 'failed'
  $pause = 10
  $attempt = 0
  while ($attempt -le $retries) {
    $attempt = $attempt + 1
    if ($attempt -gt 1) {
      if ((Get-PhaseLeft) -le $pause) { return 'interrupted' }
      Start-Sleep -Seconds $pause
      if ($pause -lt 120) { $pause = $pause * 2 }
    }
    $attempts = $attempts + 1
    Set-Val $res 'Status' 'running' 'String'
    Set-Val $res 'Attempts' $attempts 'DWord'
    Set-Val $res 'Started' (Get-Now) 'String'
    $outFile = Join-Path $workDir ($id + '.out.txt')
    $errFile = Join-Path $workDir ($id + '.err.txt')
    $run = Invoke-Child $stepSupervisor $outFile $errFile $timeout $res $true
    Set-Val $res 'Finished' (Get-Now) 'String'
    Set-Val $res 'ExitCode' $run.Code 'DWord'
    Set-Val $res 'Output' (Get-Tail @($outFile, $errFile)) 'MultiString'
    if ($run.Interrupted) { $status = 'interrupted' } elseif ($run.TimedOut) { $status = 'timeout' } elseif ($run.Code -eq 0) { $status = 'ok' } elseif ($run.Code -eq 3010) { $status = 'ok-reboot' } else { $status = 'failed' }
    Set-Val $res 'Status' $status 'String'
    if ($status -eq 'ok' -or $status -eq 'ok-reboot' -or $status -eq 'interrupted') { break }
  }
  return $status
}

# Past the Setup-hook deadline: the fallback service takes the remaining steps. The start is
# requested by a detached sc.exe (its StartService call may wait for the SCM), never awaited.
function Send-ToService {
  if (-not (Test-Path -Path $svcKey)) { return $false }
  Set-Val $fbKey 'State' 'handed-over' 'String'
  Set-Val $fbKey 'Claim' '' 'String'
  try { $null = Start-Process -FilePath $scExe -ArgumentList ('start ' + $serviceName) -WindowStyle Hidden } catch { }
  return $true
}

# Held services get their original Start back; automatic ones are asked to start by a
# detached sc.exe: the runner never waits on a service (Start-Service waits on "start
# pending" for ever).
function Restore-HeldServices {
  $restored = @()
  if (-not (Test-Path -Path $heldKey)) { return $restored }
  foreach ($name in @((Get-Item -Path $heldKey).Property)) {
    if (-not $name) { continue }
    $start = Get-Val $heldKey $name $null
    $svc = 'HKLM:\SYSTEM\CurrentControlSet\Services\' + $name
    if ($start -eq $null -or -not (Test-Path -Path $svc)) { continue }
    Set-Val $svc 'Start' ([int]$start) 'DWord'
    if ([int]$start -eq 2) {
      try { $null = Start-Process -FilePath $scExe -ArgumentList ('start "' + $name + '"') -WindowStyle Hidden } catch { }
    }
    $restored = $restored + ($name + '=' + $start)
  }
  return $restored
}

# Values changed for the first boot only go back to what they were, unless someone changed
# them since (then theirs is kept): the original absent = the value is removed.
function Restore-FirstBootValues {
  $restored = @()
  foreach ($entry in @(Get-ChildItem -Path $restoreKey -ErrorAction SilentlyContinue)) {
    $rk = $restoreKey + '\' + $entry.PSChildName
    $path = 'HKLM:\' + [string](Get-Val $rk 'Hive' '') + '\' + [string](Get-Val $rk 'Key' '')
    $name = [string](Get-Val $rk 'Name' '')
    $now = @(Get-Val $path $name $null) -join '|'
    $written = @(Get-Val $rk 'Written' $null) -join '|'
    if ($now -ne $written) { $restored = $restored + ($path + '\' + $name + ' kept (changed since)'); continue }
    if ([int](Get-Val $rk 'Existed' 0) -eq 1) {
      Set-Val $path $name (Get-Val $rk 'Data' $null) ([string](Get-Val $rk 'Type' 'String'))
    } else {
      Remove-ItemProperty -Path $path -Name $name -ErrorAction SilentlyContinue
    }
    $restored = $restored + ($path + '\' + $name)
  }
  return $restored
}

# The end of a run, in an order that cannot hang: both hooks off first, then the results,
# then restores that only write values or request starts without waiting.
function Complete-Run($state, $ok, $failed, $reboot) {
  Disable-SetupHook
  Disable-ServiceHook
  Set-Val $fbKey 'State' $state 'String'
  Set-Val $resultsKey 'StepsOk' $ok 'DWord'
  Set-Val $resultsKey 'StepsFailed' $failed 'DWord'
  Set-Val $resultsKey 'RebootRequired' ([int]$reboot) 'DWord'
  Set-Val $resultsKey 'Summary' ([string]$ok + ' ok, ' + [string]$failed + ' failed') 'String'
  $restored = @(Restore-HeldServices)
  if ($restored.Count -eq 0) { $restored = @('') }
  Set-Val $resultsKey 'ServicesRestored' ([string[]]$restored) 'MultiString'
  $values = @(Restore-FirstBootValues)
  if ($values.Count -eq 0) { $values = @('') }
  Set-Val $resultsKey 'ValuesRestored' ([string[]]$values) 'MultiString'
  Set-Val $resultsKey 'Finished' (Get-Now) 'String'
  Set-Val $resultsKey 'State' $state 'String'
  Remove-ItemProperty -Path $fbKey -Name 'Runner' -ErrorAction SilentlyContinue
  Remove-Item -Path $stepsKey -Recurse -Force -ErrorAction SilentlyContinue
  if ($reboot -and [int](Get-Val $fbKey 'RebootWhenRequired' 0) -eq 1) {
    $null = & shutdown.exe /r /t 60 /c 'p2vfix first boot: a step asked for a restart' 2>&1
  }
}

# 1. Disarm the Setup hook before anything else: whatever happens next, the next boot goes
#    straight to the logon screen. The fallback service stays armed as the resume path (it
#    starts detached after logon is possible and never holds a boot).
Disable-SetupHook
$phaseStart = Get-Date
$state = [string](Get-Val $fbKey 'State' 'armed')
if ($state -eq 'done' -or $state -eq 'failed' -or $state -eq 'gave-up') {
  Disable-ServiceHook
  exit 0
}

# 2. Claim the run. A run whose claimer is still alive (the other hook, this boot) is left
#    alone; the claimer is named by PID and process start time, which neither PID reuse nor a
#    clock change can fake. A run handed over by the Setup hook continues without counting a
#    boot; any other interrupted run resumes, counted, and gives up after MaxBoots.
if ($state -eq 'running' -and (Test-ClaimAlive ([string](Get-Val $fbKey 'Claim' '')))) { exit 0 }
$boots = [int](Get-Val $fbKey 'Boots' 0)
if ($state -ne 'handed-over') { $boots = $boots + 1 }
$maxBoots = [int](Get-Val $fbKey 'MaxBoots' 3)
if ($maxBoots -lt 1 -or $maxBoots -gt 10) { $maxBoots = 3 }
Set-Val $fbKey 'Boots' $boots 'DWord'
Set-Val $fbKey 'Claim' (Get-MyClaim) 'String'
Set-Val $fbKey 'State' 'running' 'String'
Set-Val $fbKey 'Mechanism' $m 'String'
Set-Val $resultsKey 'State' 'running' 'String'
Set-Val $resultsKey 'Mechanism' $m 'String'
Set-Val $resultsKey 'Boots' $boots 'DWord'
if ([string](Get-Val $resultsKey 'Started' '') -eq '') { Set-Val $resultsKey 'Started' (Get-Now) 'String' }
if ($boots -gt $maxBoots) {
  Complete-Run 'gave-up' 0 0 $false
  exit 0
}

# 3. One deadline for the Setup-hook phase (the logon screen waits on it); none for the service.
$phaseSeconds = [int](Get-Val $fbKey 'SetupDeadlineSeconds' 600)
if ($phaseSeconds -lt 60 -or $phaseSeconds -gt 3600) { $phaseSeconds = 600 }
if ($m -eq 'setup') { $phaseEnd = $phaseStart.AddSeconds($phaseSeconds) } else { $phaseEnd = $null }

$workDir = Get-WorkDir
if ($workDir -eq $null) {
  Set-Val $resultsKey 'WorkDir' 'no safe working folder (owner or ACL not SYSTEM/Administrators only)' 'String'
  Complete-Run 'failed' 0 1 $false
  exit 0
}
$env:P2VFIX_WORKDIR = $workDir
$settle = [int](Get-Val $fbKey 'PnpSettleSeconds' 300)
if ($settle -lt 0 -or $settle -gt 3600) { $settle = 300 }
$env:P2VFIX_SETTLE = [string]$settle
$settleRun = Invoke-Child $pnpSettle (Join-Path $workDir 'pnp.out.txt') (Join-Path $workDir 'pnp.err.txt') ($settle + 60) $null $true
Set-Val $resultsKey 'PnpSettled' ([int]($settleRun.Code -eq 0)) 'DWord'

$ok = 0
$failed = 0
$reboot = $false
$handedOver = $false
$steps = @(Get-ChildItem -Path $stepsKey -ErrorAction SilentlyContinue | Sort-Object -Property PSChildName | Select-Object -First $maxSteps)
foreach ($step in $steps) {
  $stepPath = $stepsKey + '\' + $step.PSChildName
  if (-not $handedOver -and (Get-PhaseLeft) -le 0) {
    if (Send-ToService) { $handedOver = $true } else { Skip-Step $stepPath 'not-run'; $failed = $failed + 1; continue }
  }
  if ($handedOver) { continue }
  $status = Invoke-Step $stepPath $workDir
  if ($status -eq 'interrupted') {
    if (Send-ToService) { $handedOver = $true; continue }
    $status = 'timeout'
  }
  if ($status -eq 'ok' -or $status -eq 'ok-reboot') { $ok = $ok + 1 } else { $failed = $failed + 1 }
  if ($status -eq 'ok-reboot') { $reboot = $true }
}
if ($handedOver) {
  Set-Val $resultsKey 'State' 'handed-over' 'String'
  exit 0
}
if ($failed -eq 0) { $final = 'done' } else { $final = 'failed' }
Complete-Run $final $ok $failed $reboot
exit 0
