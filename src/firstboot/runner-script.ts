/**
 * The two PowerShell scripts of the first-boot runner.
 *
 * - The bootstrap is what both hooks start (SYSTEM\Setup CmdLine and the fallback service's
 *   ImagePath), as `-EncodedCommand`, so it must stay small (firstboot-mechanisms.md 4.10:
 *   behind cmd.exe about 3 K characters of script). It only names the hook and loads the
 *   runner from the registry; with no runner there it disarms both hooks so they never stay
 *   behind.
 * - The runner lives as a registry value (no size limit) and does the work. First of all it
 *   turns the Setup hook off (so a reset never holds the logon screen again), then claims the
 *   run, waits for Plug and Play to settle, runs the steps each in a supervised child process
 *   with a time limit and bounded retries (growing pauses), writes the results, disarms the
 *   fallback service, re-enables the held services without waiting on them, puts back what was
 *   changed for the first boot only and removes itself. In the Setup hook the whole phase has
 *   one deadline; past it the remaining steps go to the fallback service and the boot goes on.
 *   The runner itself never waits without a limit: WMI runs only in child processes it kills
 *   at their limit, and services are started with a detached `sc.exe start`, never
 *   Start-Service.
 *
 * Both are PowerShell 2.0 compatible (Windows 7 / 2008 R2) and use cmdlets only where they can
 * (they may run in ConstrainedLanguage under WDAC: no Add-Type, no .NET method calls outside
 * strings and dates). Every loop and wait has a limit.
 */
import { psString } from "./powershell-text.js";
import { STEP_LOADER } from "./child-scripts.js";
import { FIRSTBOOT_KEY, Limits, SERVICE_NAME, Value } from "./layout.js";
import { runnerFunctions } from "./runner-functions.js";

export { STEP_LOADER };

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


/** The runner, stored in SOFTWARE\\p2vfix\\FirstBoot\\Runner; the bootstrap sets $m to the hook name. */
export function runnerScript(): string {
  return `# p2vfix first-boot runner (PowerShell 2.0 compatible). Started by the bootstrap with $m = hook name.
$ErrorActionPreference = 'Continue'
if (-not $m) { $m = 'manual' }
${runnerFunctions()}
# 1. Disarm the Setup hook before anything else: whatever happens next, the next boot goes
#    straight to the logon screen. The fallback service stays armed as the resume path (it
#    starts detached after logon is possible and never holds a boot).
Disable-SetupHook
$phaseStart = Get-Date
$state = [string](Get-Val $fbKey '${Value.state}' 'armed')
if ($state -eq 'done' -or $state -eq 'failed' -or $state -eq 'gave-up') {
  Disable-ServiceHook
  exit 0
}

# 2. Claim the run. A run whose claimer is still alive (the other hook, this boot) is left
#    alone; the claimer is named by PID and process start time, which neither PID reuse nor a
#    clock change can fake. A run handed over by the Setup hook continues without counting a
#    boot; any other interrupted run resumes, counted, and gives up after MaxBoots.
if ($state -eq 'running' -and (Test-ClaimAlive ([string](Get-Val $fbKey '${Value.claim}' '')))) { exit 0 }
$boots = [int](Get-Val $fbKey '${Value.boots}' 0)
if ($state -ne 'handed-over') { $boots = $boots + 1 }
$maxBoots = [int](Get-Val $fbKey '${Value.maxBoots}' 3)
if ($maxBoots -lt 1 -or $maxBoots -gt ${Limits.maxBoots}) { $maxBoots = 3 }
Set-Val $fbKey '${Value.boots}' $boots 'DWord'
Set-Val $fbKey '${Value.claim}' (Get-MyClaim) 'String'
Set-Val $fbKey '${Value.state}' 'running' 'String'
Set-Val $fbKey '${Value.mechanism}' $m 'String'
Set-Val $resultsKey 'State' 'running' 'String'
Set-Val $resultsKey 'Mechanism' $m 'String'
Set-Val $resultsKey 'Boots' $boots 'DWord'
if ([string](Get-Val $resultsKey 'Started' '') -eq '') { Set-Val $resultsKey 'Started' (Get-Now) 'String' }
if ($boots -gt $maxBoots) {
  Complete-Run 'gave-up' 0 0 $false
  exit 0
}

# 3. One deadline for the Setup-hook phase (the logon screen waits on it); none for the service.
$phaseSeconds = [int](Get-Val $fbKey '${Value.setupDeadlineSeconds}' ${Limits.defaultSetupDeadlineSeconds})
if ($phaseSeconds -lt ${Limits.minSetupDeadlineSeconds} -or $phaseSeconds -gt ${Limits.maxSetupDeadlineSeconds}) { $phaseSeconds = ${Limits.defaultSetupDeadlineSeconds} }
if ($m -eq 'setup') { $phaseEnd = $phaseStart.AddSeconds($phaseSeconds) } else { $phaseEnd = $null }

$workDir = Get-WorkDir
if ($workDir -eq $null) {
  Set-Val $resultsKey 'WorkDir' 'no safe working folder (owner or ACL not SYSTEM/Administrators only)' 'String'
  Complete-Run 'failed' 0 1 $false
  exit 0
}
$env:P2VFIX_WORKDIR = $workDir
$settle = [int](Get-Val $fbKey '${Value.pnpSettleSeconds}' 300)
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
  $stepPath = $stepsKey + '\\' + $step.PSChildName
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
`.replace(/\n/g, "\r\n");
}
