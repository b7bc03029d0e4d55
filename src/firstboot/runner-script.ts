/**
 * The two PowerShell scripts of the first-boot runner.
 *
 * - The bootstrap is what both hooks start (SYSTEM\Setup CmdLine and the fallback service's
 *   ImagePath), as `-EncodedCommand`, so it must stay small (firstboot-mechanisms.md 4.10:
 *   behind cmd.exe about 3 K characters of script). It only names the hook and loads the
 *   runner from the registry; with no runner there it disarms both hooks so they never stay
 *   behind.
 * - The runner lives as a registry value (no size limit) and does the work: claims the run,
 *   disarms the other hook, waits for Plug and Play to settle, runs the steps each in a child
 *   process with a time limit and bounded retries, writes the results, re-enables the held
 *   services and removes itself.
 *
 * Both are PowerShell 2.0 compatible (Windows 7 / 2008 R2) and use cmdlets only where they can
 * (they may run in ConstrainedLanguage under WDAC: no Add-Type, no .NET method calls outside
 * strings and dates). Every loop and wait has a limit.
 */
import { encodeCommand, psString } from "./powershell-text.js";
import { FIRSTBOOT_KEY, HELD_SERVICES_KEY, Limits, RESULTS_KEY, SERVICE_NAME, SETUP_ORIGINAL_KEY, STEPS_KEY, StepValue, Value } from "./layout.js";

export type HookName = "setup" | "service";

const hklm = (softwareRelative: string): string => `HKLM:\\SOFTWARE\\${softwareRelative}`;

/** The bootstrap both hooks run, for one hook. */
export function bootstrapScript(hook: HookName): string {
  return [
    `$m = ${psString(hook)}`,
    `$k = ${psString(hklm(FIRSTBOOT_KEY))}`,
    `$r = Get-ItemProperty -Path $k -Name ${Value.runner} -ErrorAction SilentlyContinue`,
    `if ($r -ne $null -and $r.${Value.runner}) {`,
    `  Invoke-Expression $r.${Value.runner}`,
    `} else {`,
    // No runner (removed by hand, or a restored SOFTWARE hive): do not leave the hooks armed.
    hook === "setup"
      ? `  Set-ItemProperty -Path 'HKLM:\\SYSTEM\\Setup' -Name SetupType -Value 0 -ErrorAction SilentlyContinue`
      : `  $null = & sc.exe delete ${SERVICE_NAME} 2>&1`,
    `}`,
  ].join("\r\n");
}

/**
 * What a step's child PowerShell runs: its script, read from the step's registry key named by
 * an environment variable (so this loader, and its encoded form, are the same for every step).
 * A step fails by throwing, by `exit N` (N ≠ 0) or when its last native command failed.
 */
export const STEP_LOADER = [
  "$ErrorActionPreference = 'Continue'",
  "try {",
  `  $s = (Get-ItemProperty -Path $env:P2VFIX_STEP -Name ${StepValue.script}).${StepValue.script}`,
  "  Invoke-Expression $s",
  "  if ($LASTEXITCODE) { exit $LASTEXITCODE }",
  "  exit 0",
  "} catch {",
  "  Write-Output ('error: ' + $_)",
  "  exit 1",
  "}",
].join("\r\n");

/** The runner, stored in SOFTWARE\p2vfix\FirstBoot\Runner; the bootstrap sets $m to the hook name. */
export function runnerScript(): string {
  const loader = encodeCommand(STEP_LOADER);
  return `# p2vfix first-boot runner (PowerShell 2.0 compatible). Started by the bootstrap with $m = hook name.
$ErrorActionPreference = 'Continue'
if (-not $m) { $m = 'manual' }
$fbKey = ${psString(hklm(FIRSTBOOT_KEY))}
$stepsKey = ${psString(hklm(STEPS_KEY))}
$resultsKey = ${psString(hklm(RESULTS_KEY))}
$heldKey = ${psString(hklm(HELD_SERVICES_KEY))}
$setupOriginalKey = ${psString(hklm(SETUP_ORIGINAL_KEY))}
$setupKey = 'HKLM:\\SYSTEM\\Setup'
$serviceName = ${psString(SERVICE_NAME)}
$stepLoader = ${psString(loader)}
$maxSteps = ${Limits.maxSteps}
$tailLines = ${Limits.outputTailLines}
$lineChars = ${Limits.outputLineChars}

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

# The fallback service: never start again (every control set), then delete it.
function Disable-ServiceHook {
  foreach ($set in @(Get-ChildItem -Path 'HKLM:\\SYSTEM' -ErrorAction SilentlyContinue | Where-Object { $_.PSChildName -like 'ControlSet0*' })) {
    $svc = 'HKLM:\\SYSTEM\\' + $set.PSChildName + '\\Services\\' + $serviceName
    if (Test-Path -Path $svc) { Set-Val $svc 'Start' 4 'DWord' }
  }
  $null = & sc.exe delete $serviceName 2>&1
}

# SYSTEM\\Setup: put back what was there, but only while the CmdLine is still ours.
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

# Plug and Play has settled when no driver install (drvinst.exe) runs and the device count
# stayed the same over three polls. Bounded by the deadline.
function Wait-PnpSettled($limitSeconds) {
  $deadline = (Get-Date).AddSeconds($limitSeconds)
  $last = -1
  $stable = 0
  while ((Get-Date) -lt $deadline) {
    $count = @(Get-WmiObject -Class Win32_PnPEntity -ErrorAction SilentlyContinue).Count
    $installing = @(Get-Process -Name drvinst -ErrorAction SilentlyContinue).Count
    if ($count -eq $last -and $installing -eq 0) { $stable = $stable + 1 } else { $stable = 0 }
    $last = $count
    if ($stable -ge 3) { return $true }
    Start-Sleep -Seconds 5
  }
  return $false
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

# Runs one step: a child process per attempt, killed (with its children) at the time limit.
function Invoke-Step($stepPath, $workDir) {
  $id = [string](Get-Val $stepPath '${StepValue.id}' (Split-Path -Path $stepPath -Leaf))
  $title = [string](Get-Val $stepPath '${StepValue.title}' $id)
  $shell = [string](Get-Val $stepPath '${StepValue.shell}' 'powershell')
  $timeout = [int](Get-Val $stepPath '${StepValue.timeoutSeconds}' 600)
  $retries = [int](Get-Val $stepPath '${StepValue.retries}' 0)
  if ($timeout -lt 1 -or $timeout -gt ${Limits.maxTimeoutSeconds}) { $timeout = 600 }
  if ($retries -lt 0 -or $retries -gt ${Limits.maxRetries}) { $retries = 0 }
  $res = $resultsKey + '\\' + $id
  $previous = [string](Get-Val $res 'Status' '')
  if ($previous -eq 'ok') { return 'ok' }
  $attempts = [int](Get-Val $res 'Attempts' 0)
  Set-Val $res 'Title' $title 'String'
  $status = 'failed'
  $attempt = 0
  while ($attempt -le $retries) {
    $attempt = $attempt + 1
    $attempts = $attempts + 1
    $outFile = Join-Path $workDir ($id + '.out.txt')
    $errFile = Join-Path $workDir ($id + '.err.txt')
    Remove-Item -Path $outFile, $errFile -Force -ErrorAction SilentlyContinue
    Set-Val $res 'Status' 'running' 'String'
    Set-Val $res 'Attempts' $attempts 'DWord'
    Set-Val $res 'Started' (Get-Now) 'String'
    if ($shell -eq 'cmd') {
      $cmdFile = Join-Path $workDir ($id + '.cmd')
      Set-Content -Path $cmdFile -Value ([string](Get-Val $stepPath '${StepValue.script}' '')) -Encoding ASCII
      $exe = Join-Path $env:SystemRoot 'System32\\cmd.exe'
      $arguments = '/d /c "' + $cmdFile + '"'
    } else {
      $env:P2VFIX_STEP = $stepPath
      $exe = Join-Path $env:SystemRoot 'System32\\WindowsPowerShell\\v1.0\\powershell.exe'
      $arguments = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ' + $stepLoader
    }
    $code = -1
    $timedOut = $false
    $p = $null
    try {
      $p = Start-Process -FilePath $exe -ArgumentList $arguments -NoNewWindow -PassThru -RedirectStandardOutput $outFile -RedirectStandardError $errFile
    } catch {
      Set-Content -Path $errFile -Value ('could not start: ' + $_) -ErrorAction SilentlyContinue
    }
    if ($p -ne $null) {
      $null = $p.Handle
      Wait-Process -Id $p.Id -Timeout $timeout -ErrorAction SilentlyContinue
      if (Get-Process -Id $p.Id -ErrorAction SilentlyContinue) {
        $timedOut = $true
        $null = & taskkill.exe /T /F /PID $p.Id 2>&1
        Wait-Process -Id $p.Id -Timeout 30 -ErrorAction SilentlyContinue
      } else {
        $code = [int]$p.ExitCode
      }
    }
    Set-Val $res 'Finished' (Get-Now) 'String'
    Set-Val $res 'ExitCode' $code 'DWord'
    Set-Val $res 'Output' (Get-Tail @($outFile, $errFile)) 'MultiString'
    if ($timedOut) { $status = 'timeout' } elseif ($code -eq 0) { $status = 'ok' } elseif ($code -eq 3010) { $status = 'ok-reboot' } else { $status = 'failed' }
    Set-Val $res 'Status' $status 'String'
    if ($status -eq 'ok' -or $status -eq 'ok-reboot') { break }
  }
  return $status
}

# The held-back services get their original Start; automatic ones are started now.
function Restore-HeldServices {
  $restored = @()
  if (-not (Test-Path -Path $heldKey)) { return $restored }
  $names = @((Get-Item -Path $heldKey).Property)
  foreach ($name in $names) {
    if (-not $name) { continue }
    $start = Get-Val $heldKey $name $null
    $svc = 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\' + $name
    if ($start -eq $null -or -not (Test-Path -Path $svc)) { continue }
    Set-Val $svc 'Start' ([int]$start) 'DWord'
    if ([int]$start -eq 2) { Start-Service -Name $name -ErrorAction SilentlyContinue }
    $restored = $restored + ($name + '=' + $start)
  }
  return $restored
}

function Complete-Run($state, $ok, $failed, $reboot) {
  $restored = @(Restore-HeldServices)
  if ($restored.Count -eq 0) { $restored = @('') }
  Set-Val $resultsKey 'ServicesRestored' ([string[]]$restored) 'MultiString'
  Set-Val $resultsKey 'StepsOk' $ok 'DWord'
  Set-Val $resultsKey 'StepsFailed' $failed 'DWord'
  Set-Val $resultsKey 'RebootRequired' ([int]$reboot) 'DWord'
  Set-Val $resultsKey 'Summary' ([string]$ok + ' ok, ' + [string]$failed + ' failed') 'String'
  Set-Val $resultsKey 'Finished' (Get-Now) 'String'
  Set-Val $resultsKey 'State' $state 'String'
  Set-Val $fbKey '${Value.state}' $state 'String'
  Disable-SetupHook
  Disable-ServiceHook
  Remove-ItemProperty -Path $fbKey -Name '${Value.runner}' -ErrorAction SilentlyContinue
  Remove-Item -Path $stepsKey -Recurse -Force -ErrorAction SilentlyContinue
  if ($reboot -and [int](Get-Val $fbKey '${Value.rebootWhenRequired}' 0) -eq 1) {
    $null = & shutdown.exe /r /t 60 /c 'p2vfix first boot: a step asked for a restart' 2>&1
  }
}

# Claim the run. A run already going in this boot (the other hook) is left alone; a run that
# was interrupted in an earlier boot resumes, counted, and gives up after MaxBoots.
$bootId = [string](Get-WmiObject -Class Win32_OperatingSystem).LastBootUpTime
$state = [string](Get-Val $fbKey '${Value.state}' 'armed')
if ($state -eq 'done' -or $state -eq 'failed' -or $state -eq 'gave-up') {
  Disable-SetupHook
  Disable-ServiceHook
  exit 0
}
if ($state -eq 'running' -and [string](Get-Val $fbKey '${Value.bootId}' '') -eq $bootId) { exit 0 }
$boots = [int](Get-Val $fbKey '${Value.boots}' 0) + 1
$maxBoots = [int](Get-Val $fbKey '${Value.maxBoots}' 3)
if ($maxBoots -lt 1 -or $maxBoots -gt ${Limits.maxBoots}) { $maxBoots = 3 }
Set-Val $fbKey '${Value.boots}' $boots 'DWord'
Set-Val $fbKey '${Value.bootId}' $bootId 'String'
Set-Val $fbKey '${Value.state}' 'running' 'String'
Set-Val $fbKey '${Value.mechanism}' $m 'String'
if ($m -eq 'setup') { Disable-ServiceHook } else { Disable-SetupHook }
Set-Val $resultsKey 'State' 'running' 'String'
Set-Val $resultsKey 'Mechanism' $m 'String'
Set-Val $resultsKey 'Boots' $boots 'DWord'
if ([string](Get-Val $resultsKey 'Started' '') -eq '') { Set-Val $resultsKey 'Started' (Get-Now) 'String' }
if ($boots -gt $maxBoots) {
  Complete-Run 'gave-up' 0 0 $false
  exit 0
}

$workDir = Join-Path $env:SystemRoot 'Temp\\p2vfix-firstboot'
if (-not (Test-Path -Path $workDir)) { $null = New-Item -Path $workDir -ItemType Directory -Force }
$settle = [int](Get-Val $fbKey '${Value.pnpSettleSeconds}' 300)
if ($settle -lt 0 -or $settle -gt 3600) { $settle = 300 }
$settled = Wait-PnpSettled $settle
Set-Val $resultsKey 'PnpSettled' ([int]$settled) 'DWord'

$ok = 0
$failed = 0
$reboot = $false
$steps = @(Get-ChildItem -Path $stepsKey -ErrorAction SilentlyContinue | Sort-Object -Property PSChildName | Select-Object -First $maxSteps)
foreach ($step in $steps) {
  $status = Invoke-Step ($stepsKey + '\\' + $step.PSChildName) $workDir
  if ($status -eq 'ok' -or $status -eq 'ok-reboot') { $ok = $ok + 1 } else { $failed = $failed + 1 }
  if ($status -eq 'ok-reboot') { $reboot = $true }
}
if ($failed -eq 0) { $final = 'done' } else { $final = 'failed' }
Complete-Run $final $ok $failed $reboot
exit 0
`.replace(/\n/g, "\r\n");
}
