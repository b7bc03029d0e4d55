/**
 * The small PowerShell programs the runner starts as child processes, each with a time limit,
 * so that nothing which can hang (a step, WMI, the process sweep) ever runs in the runner's
 * own process. All are ConstrainedLanguage-safe (no .NET method calls) and PowerShell 2.0.
 * The scripts themselves are data/firstboot/*.ps1 (rendered by render-template.ts).
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
import { PsValue } from "./powershell-text.js";
import { renderTemplate } from "./render-template.js";

/** Result value the supervisor writes with the step's exit code. */
export const CHILD_EXIT_VALUE = "ChildExit";

export const STEP_LOADER = renderTemplate("step-loader.ps1", { scriptValue: PsValue.name(StepValue.script) }).text;

/** Environment: P2VFIX_STEP, P2VFIX_RESULT (result key), P2VFIX_CMD (batch file, cmd steps), P2VFIX_LOADER (encoded STEP_LOADER). */
export const STEP_SUPERVISOR = renderTemplate("step-supervisor.ps1", { childExitValue: PsValue.name(CHILD_EXIT_VALUE) }).text;

/**
 * Exit 0 when Plug and Play has settled: no driver install (drvinst.exe) running and the same
 * device count over three polls; exit 2 at P2VFIX_SETTLE seconds. The runner kills it if WMI
 * hangs past its own limit.
 */
export const PNP_SETTLE_SCRIPT = renderTemplate("pnp-settle.ps1").text;

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
export const PROCESS_SWEEP_SCRIPT = renderTemplate("process-sweep.ps1", { protectedNames: PsValue.stringArray(SWEEP_PROTECTED, ", ") }).text;
