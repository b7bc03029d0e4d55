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
 *
 * The scripts are data/firstboot/bootstrap.ps1 and runner.ps1; this module fills their tags
 * (render-template.ts) with the registry layout (layout.ts), the limits and the child scripts.
 */
import { CHILD_EXIT_VALUE, PNP_SETTLE_SCRIPT, PROCESS_SWEEP_SCRIPT, STEP_LOADER, STEP_SUPERVISOR } from "./child-scripts.js";
import { FIRSTBOOT_KEY, HELD_SERVICES_KEY, Limits, RESTORE_KEY, RESULTS_KEY, SERVICE_NAME, SETUP_ORIGINAL_KEY, STEPS_KEY, StepValue, Value } from "./layout.js";
import { encodeCommand, PsValue } from "./powershell-text.js";
import { renderTemplate } from "./render-template.js";

export { STEP_LOADER };

export type HookName = "setup" | "service";

/** Folder the runner works in: inside the SYSTEM profile, which only SYSTEM and Administrators can write (see docs/first-boot.md). */
export const WORK_DIR = "System32\\config\\systemprofile\\p2vfix-firstboot";

/** SDDL trustees that must hold no write right on the working folder (Users, Authenticated Users, Everyone, Interactive, Guests). */
export const UNTRUSTED_SIDS = ["BU", "AU", "WD", "IU", "BG", "S-1-5-32-545", "S-1-5-11", "S-1-1-0", "S-1-5-4"];

/** Pause before a retry: doubles from 10 s up to this. */
export const MAX_RETRY_PAUSE_SECONDS = 120;

const hklm = (softwareRelative: string): PsValue => PsValue.string(`HKLM:\\SOFTWARE\\${softwareRelative}`);

/** A child script as powershell.exe arguments. */
const childArguments = (script: string): PsValue => PsValue.string(`-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encodeCommand(script)}`);

/** The bootstrap both hooks run, for one hook. */
export function bootstrapScript(hook: HookName): string {
  // No runner (removed by hand, or a restored SOFTWARE hive): do not leave the hooks armed.
  const disarm = hook === "setup" ? renderTemplate("bootstrap-disarm-setup.ps1") : renderTemplate("bootstrap-disarm-service.ps1", { serviceName: PsValue.name(SERVICE_NAME) });
  return renderTemplate("bootstrap.ps1", { hook: PsValue.string(hook), fbKey: hklm(FIRSTBOOT_KEY), runnerValue: PsValue.name(Value.runner), disarm }).text;
}

/** The runner, stored in SOFTWARE\\p2vfix\\FirstBoot\\Runner; the bootstrap sets $m to the hook name. */
export function runnerScript(): string {
  const values: Record<string, PsValue> = {
    fbKey: hklm(FIRSTBOOT_KEY),
    stepsKey: hklm(STEPS_KEY),
    resultsKey: hklm(RESULTS_KEY),
    heldKey: hklm(HELD_SERVICES_KEY),
    restoreKey: hklm(RESTORE_KEY),
    setupOriginalKey: hklm(SETUP_ORIGINAL_KEY),
    serviceName: PsValue.string(SERVICE_NAME),
    stepLoader: PsValue.string(encodeCommand(STEP_LOADER)),
    stepSupervisor: childArguments(STEP_SUPERVISOR),
    pnpSettle: childArguments(PNP_SETTLE_SCRIPT),
    processSweep: childArguments(PROCESS_SWEEP_SCRIPT),
    untrustedSids: PsValue.stringArray(UNTRUSTED_SIDS, ", "),
    workDir: PsValue.string(WORK_DIR),
    childExitValue: PsValue.string(CHILD_EXIT_VALUE),
    maxSteps: PsValue.int(Limits.maxSteps),
    tailLines: PsValue.int(Limits.outputTailLines),
    lineChars: PsValue.int(Limits.outputLineChars),
    maxTimeoutSeconds: PsValue.int(Limits.maxTimeoutSeconds),
    maxRetries: PsValue.int(Limits.maxRetries),
    maxBoots: PsValue.int(Limits.maxBoots),
    minSetupDeadlineSeconds: PsValue.int(Limits.minSetupDeadlineSeconds),
    maxSetupDeadlineSeconds: PsValue.int(Limits.maxSetupDeadlineSeconds),
    defaultSetupDeadlineSeconds: PsValue.int(Limits.defaultSetupDeadlineSeconds),
    maxRetryPauseSeconds: PsValue.int(MAX_RETRY_PAUSE_SECONDS),
    stateValue: PsValue.string(Value.state),
    claimValue: PsValue.string(Value.claim),
    bootsValue: PsValue.string(Value.boots),
    maxBootsValue: PsValue.string(Value.maxBoots),
    mechanismValue: PsValue.string(Value.mechanism),
    setupDeadlineValue: PsValue.string(Value.setupDeadlineSeconds),
    pnpSettleValue: PsValue.string(Value.pnpSettleSeconds),
    runnerValue: PsValue.string(Value.runner),
    rebootWhenRequiredValue: PsValue.string(Value.rebootWhenRequired),
    stepIdValue: PsValue.string(StepValue.id),
    stepTitleValue: PsValue.string(StepValue.title),
    stepShellValue: PsValue.string(StepValue.shell),
    stepTimeoutValue: PsValue.string(StepValue.timeoutSeconds),
    stepRetriesValue: PsValue.string(StepValue.retries),
    stepScriptBytesValue: PsValue.string(StepValue.scriptBytes),
  };
  // The stored runner has always ended with a line end.
  return renderTemplate("runner.ps1", values).text + "\r\n";
}
