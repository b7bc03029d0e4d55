/**
 * The small PowerShell programs the runner starts as child processes, each with a time limit,
 * so that nothing which can hang (a step, WMI, the process sweep) ever runs in the runner's
 * own process. All are ConstrainedLanguage-safe (no .NET method calls) and PowerShell 2.0.
 *
 * - STEP_LOADER runs one step's script (read from the step's registry key).
 * - STEP_SUPERVISOR starts the step (STEP_LOADER in a nested PowerShell, or cmd.exe on the
 *   step's batch file), then records the step's exit code in the step's result key before it
 *   exits itself: a step that exits at once never loses its code to a Start-Process race, and
 *   a step's own `exit N` cannot skip the recording.
 * - PNP_SETTLE_SCRIPT waits for Plug and Play to settle (WMI lives here, not in the runner).
 * - PROCESS_SWEEP_SCRIPT finds what a timed-out step left behind (its descendants and the
 *   orphans it started) so the runner can kill them: a hung msiexec child must not keep the
 *   MSI mutex (error 1618) for the next step.
 */
import { StepValue } from "./layout.js";

/** Result value the supervisor writes with the step's exit code. */
export const CHILD_EXIT_VALUE = "ChildExit";

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

/** Environment: P2VFIX_STEP, P2VFIX_RESULT (result key), P2VFIX_CMD (batch file, cmd steps), P2VFIX_LOADER (encoded STEP_LOADER). */
export const STEP_SUPERVISOR = [
  "$ErrorActionPreference = 'Continue'",
  "$code = 1",
  "try {",
  "  if ($env:P2VFIX_CMD) {",
  "    & (Join-Path $env:SystemRoot 'System32\\cmd.exe') /d /c $env:P2VFIX_CMD 2>&1",
  "  } else {",
  "    & (Join-Path $env:SystemRoot 'System32\\WindowsPowerShell\\v1.0\\powershell.exe') -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand $env:P2VFIX_LOADER 2>&1",
  "  }",
  "  $code = $LASTEXITCODE",
  "  if ($code -eq $null) { $code = 1 }",
  "} catch {",
  "  Write-Output ('error: ' + $_)",
  "}",
  `$null = New-ItemProperty -Path $env:P2VFIX_RESULT -Name ${CHILD_EXIT_VALUE} -Value ([string]$code) -PropertyType String -Force`,
  "exit $code",
].join("\r\n");

/**
 * Exit 0 when Plug and Play has settled: no driver install (drvinst.exe) running and the same
 * device count over three polls; exit 2 at P2VFIX_SETTLE seconds. The runner kills it if WMI
 * hangs past its own limit.
 */
export const PNP_SETTLE_SCRIPT = [
  "$deadline = (Get-Date).AddSeconds([int]$env:P2VFIX_SETTLE)",
  "$last = -1",
  "$stable = 0",
  "while ((Get-Date) -lt $deadline) {",
  "  $count = @(Get-WmiObject -Class Win32_PnPEntity -ErrorAction SilentlyContinue).Count",
  "  $installing = @(Get-Process -Name drvinst -ErrorAction SilentlyContinue).Count",
  "  if ($count -eq $last -and $installing -eq 0) { $stable = $stable + 1 } else { $stable = 0 }",
  "  $last = $count",
  "  if ($stable -ge 3) { exit 0 }",
  "  Start-Sleep -Seconds 5",
  "}",
  "exit 2",
].join("\r\n");

/** Processes a sweep never names, even when they look orphaned (they belong to Windows or the logon). */
export const SWEEP_PROTECTED = ["csrss", "wininit", "winlogon", "services", "lsass", "smss", "svchost", "explorer", "userinit", "dwm", "logonui", "taskhost", "taskhostw", "taskhostex", "sihost", "ctfmon", "fontdrvhost", "msiexec"];

/**
 * Prints the PIDs to kill after a step timed out: every process descending from P2VFIX_ROOT
 * (parent links, each created after its parent: a reused PID does not count), and every
 * process created since the attempt started (P2VFIX_SINCE, local yyyyMMddHHmmss as WMI gives
 * it) in the step's session whose parent is gone, except Windows' own (SWEEP_PROTECTED).
 * msiexec is protected because its server runs under services.exe; its client children are
 * killed through the tree.
 */
export const PROCESS_SWEEP_SCRIPT = [
  "$root = [int]$env:P2VFIX_ROOT",
  "$since = [string]$env:P2VFIX_SINCE",
  "$session = [string]$env:P2VFIX_SESSION",
  `$protected = @(${SWEEP_PROTECTED.map((n) => `'${n}'`).join(", ")})`,
  "$all = @(Get-WmiObject -Class Win32_Process -ErrorAction SilentlyContinue)",
  "$created = @{}",
  "foreach ($x in $all) { $created[[int]$x.ProcessId] = [string]$x.CreationDate }",
  "$mine = @{}",
  "$mine[$root] = $true",
  "$pass = 0",
  "while ($pass -lt 32) {",
  "  $pass = $pass + 1",
  "  $grew = $false",
  "  foreach ($x in $all) {",
  "    $id = [int]$x.ProcessId",
  "    $parent = [int]$x.ParentProcessId",
  "    if ($mine[$id] -or -not $mine[$parent] -or $id -eq $PID) { continue }",
  "    if ($created[$parent] -and [string]$x.CreationDate -lt $created[$parent]) { continue }",
  "    $mine[$id] = $true",
  "    $grew = $true",
  "  }",
  "  if (-not $grew) { break }",
  "}",
  "foreach ($x in $all) {",
  "  $id = [int]$x.ProcessId",
  "  if ($mine[$id] -or $id -eq $PID) { continue }",
  "  $name = ([string]$x.Name) -replace '\\.exe$', ''",
  "  if ($protected -contains $name.ToLower()) { continue }",
  "  if ([string]$x.SessionId -ne $session) { continue }",
  "  $when = [string]$x.CreationDate",
  "  if ($when.Length -lt 14 -or $when.Substring(0, 14) -lt $since) { continue }",
  "  $parent = [int]$x.ParentProcessId",
  "  $parentGone = (-not $created[$parent]) -or ($created[$parent] -gt $when)",
  "  if ($parentGone) { $mine[$id] = $true }",
  "}",
  "foreach ($id in @($mine.Keys)) { if ($id -ne $root) { Write-Output $id } }",
  "exit 0",
].join("\r\n");
