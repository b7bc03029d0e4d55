/**
 * Installs the first-boot runner with registry edits only (no binary in the image), per
 * firstboot-mechanisms.md §5: the primary hook is SYSTEM\Setup SetupType=2 + CmdLine (winlogon
 * runs it as SYSTEM before the logon screen and waits), armed together with a fallback
 * delayed-start service (ErrorControl 0, no dependencies) whose ImagePath detaches PowerShell
 * with `cmd /c start`. Both start the same bootstrap; whichever runs first claims the run and
 * disarms the other, and the runner disarms both when it is done. The original SetupType and
 * CmdLine are kept under SOFTWARE\p2vfix\FirstBoot\SetupOriginal so the runner restores them.
 * Also written: the Setup-hook deadline (SetupDeadlineSeconds), the held services and the
 * restore list of values changed for the first boot only (restore-list.ts). The runner is
 * installed when there is any of steps, held services or values to put back.
 */
import type { FirstBootStep, RegData, RegistryChange } from "../changes/change.js";
import { controlSetName, readControlSets } from "../windows/control-sets.js";
import { readDword, readString, type RegistryKey } from "../windows/registry.js";
import { RegType } from "../regf/internal.js";
import { FIRSTBOOT_KEY, HELD_SERVICES_KEY, Limits, RESTORE_KEY, RESULTS_KEY, SERVICE_NAME, SETUP_KEY, SETUP_ORIGINAL_KEY, STEPS_KEY, Value } from "./layout.js";
import { encodeCommand } from "./powershell-text.js";
import { bootstrapScript, runnerScript, type HookName } from "./runner-script.js";
import { restoreListChanges, type FirstBootOnlyValue } from "./restore-list.js";
import { stepsToRegistry } from "./steps-registry.js";

export const RUNNER_FIXUP = "firstboot-runner";

/** cmd.exe's command-line limit; QUERY_SERVICE_CONFIG also returns at most 8 K (mechanisms 1.12). */
export const MAX_HOOK_COMMAND = 8191;

export interface HeldService {
  name: string;
  /** The Start value the plan replaced; the runner writes it back and starts automatic ones. */
  originalStart: number;
}

export interface RunnerOptions {
  /** SYSTEM hive root (read: Setup values, control sets). */
  system: RegistryKey;
  /** SOFTWARE hive root (read: version, SystemRoot, PowerShell engine, leftover runner keys). */
  software?: RegistryKey;
  steps: FirstBootStep[];
  heldServices?: HeldService[];
  /** "both" (default): Setup hook plus fallback service; or only one of them. */
  mechanism?: "both" | HookName;
  /** Boots a run may take (an interrupted run resumes at the next boot); default 3. */
  maxBoots?: number;
  /** Longest wait for Plug and Play to settle before the steps; default 300 s. */
  pnpSettleSeconds?: number;
  /** Restart once after the run when a step exited 3010 (default false: only reported). */
  rebootWhenRequired?: boolean;
  /** Longest time the Setup hook may hold the logon screen; past it the service continues. Default 600 s. */
  setupDeadlineSeconds?: number;
  /** Values changed for the first boot only, with their originals: restored at the end of the run. */
  firstBootOnly?: FirstBootOnlyValue[];
}

export interface RunnerInstall {
  changes: RegistryChange[];
  /** Hooks armed: empty when no runner is installed (see notices). */
  hooks: HookName[];
  /** Sentences for the person reading the plan: why a hook was not armed, what to expect. */
  notices: string[];
}

interface Versions {
  build: number | null;
  major: number | null;
  powershell: string | null;
  systemRoot: string | null;
  installationType: string | null;
}

function readVersions(software: RegistryKey | undefined): Versions {
  const cv = software?.key("Microsoft\\Windows NT\\CurrentVersion");
  const buildText = readString(cv, "CurrentBuildNumber") ?? readString(cv, "CurrentBuild");
  const build = buildText && /^\d+$/.test(buildText) ? Number(buildText) : null;
  const major = readDword(cv, "CurrentMajorVersionNumber") ?? (readString(cv, "CurrentVersion") ? Number(readString(cv, "CurrentVersion")!.split(".")[0]) : null);
  // Engine 3 (3.0-5.1) is registered under ...\3, 1.0/2.0 under ...\1 (mechanisms 4.3).
  const ps3 = readString(software?.key("Microsoft\\PowerShell\\3\\PowerShellEngine"), "PowerShellVersion");
  const ps1 = readString(software?.key("Microsoft\\PowerShell\\1\\PowerShellEngine"), "PowerShellVersion");
  return { build, major: Number.isFinite(major) ? major : null, powershell: ps3 ?? ps1 ?? null, systemRoot: readString(cv, "SystemRoot") ?? null, installationType: readString(cv, "InstallationType") ?? null };
}

/** Setup owns SYSTEM\Setup when any of these is set (mechanisms §5: then arm the service only). */
function setupBusyReasons(setup: RegistryKey | undefined): string[] {
  const reasons: string[] = [];
  const setupType = readDword(setup, "SetupType");
  if (setupType !== undefined && setupType !== 0) reasons.push(`SetupType is ${setupType}`);
  const cmd = setup?.value("CmdLine");
  if (cmd) {
    const text = cmd.type === RegType.MULTI_SZ ? cmd.multiString().join("") : cmd.type === RegType.SZ || cmd.type === RegType.EXPAND_SZ ? cmd.string() : "?";
    if (text.trim() !== "") reasons.push(`CmdLine is ${JSON.stringify(text)}`);
  }
  for (const name of ["SystemSetupInProgress", "OOBEInProgress", "SetupPhase"]) {
    const current = readDword(setup, name);
    if (current !== undefined && current !== 0) reasons.push(`${name} is ${current}`);
  }
  return reasons;
}

/** The original CmdLine as the runner restores it: its data and its New-ItemProperty type. */
function originalCmdLine(setup: RegistryKey | undefined): { type: string; data: RegData | null } {
  const registryValue = setup?.value("CmdLine");
  if (!registryValue) return { type: "Absent", data: null };
  if (registryValue.type === RegType.MULTI_SZ) return { type: "MultiString", data: { type: "REG_MULTI_SZ", value: registryValue.multiString() } };
  if (registryValue.type === RegType.EXPAND_SZ) return { type: "ExpandString", data: { type: "REG_EXPAND_SZ", value: registryValue.string() } };
  return { type: "String", data: { type: "REG_SZ", value: registryValue.type === RegType.SZ ? registryValue.string() : "" } };
}

const POWERSHELL_ARGS = "-NoProfile -NonInteractive -ExecutionPolicy Bypass";

/** The Setup hook's CmdLine: literal SystemRoot, since CmdLine's env-var expansion is unknown (2.12). */
export function setupCommandLine(systemRoot: string): string {
  return `${systemRoot}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe ${POWERSHELL_ARGS} -WindowStyle Hidden -EncodedCommand ${encodeCommand(bootstrapScript("setup"))}`;
}

/** The service's ImagePath (REG_EXPAND_SZ): cmd returns at once, PowerShell runs detached (1.4, 1.5). */
export function serviceImagePath(): string {
  return `%SystemRoot%\\System32\\cmd.exe /c start "" /b %SystemRoot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe ${POWERSHELL_ARGS} -EncodedCommand ${encodeCommand(bootstrapScript("service"))}`;
}

function bounded(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, not ${value}`);
  return value;
}

export function installRunner(options: RunnerOptions): RunnerInstall {
  const notices: string[] = [];
  const none = (notice: string): RunnerInstall => ({ changes: [], hooks: [], notices: [...notices, notice] });
  const maxBoots = bounded("maxBoots", options.maxBoots ?? 3, 1, Limits.maxBoots);
  const settle = bounded("pnpSettleSeconds", options.pnpSettleSeconds ?? 300, 0, 3600);
  const deadline = bounded("setupDeadlineSeconds", options.setupDeadlineSeconds ?? Limits.defaultSetupDeadlineSeconds, Limits.minSetupDeadlineSeconds, Limits.maxSetupDeadlineSeconds);
  const restore = options.firstBootOnly ?? [];
  if (options.steps.length === 0 && restore.length === 0 && (options.heldServices ?? []).length === 0) return none("No first-boot steps: the first-boot runner is not installed.");

  const versions = readVersions(options.software);
  if ((versions.major !== null && versions.major < 6) || (versions.build !== null && versions.build < 6000)) {
    return none(
      `Windows ${versions.build ?? "5.x"} (XP / Server 2003) has no PowerShell to run first-boot steps: the runner is not installed; ` +
        `the offline fixups still apply, and the ${options.steps.length} first-boot step(s) (${options.steps.map((step) => step.id).join(", ")}) must be done by hand after the first boot` +
        (restore.length ? `; the first-boot-only values (${restore.map((firstBootOnlyValue) => firstBootOnlyValue.name).join(", ")}) stay until put back by hand.` : "."),
    );
  }
  // PowerShell 2.0 is built into 7 / 2008 R2 and later full installs; Vista/2008 need WMF 2.0
  // and 2008 R2 Server Core an optional feature (mechanisms 4.1): only there ask the registry.
  const optionalPowerShell = versions.build !== null && (versions.build < 7600 || (versions.build < 9200 && /core/i.test(versions.installationType ?? "")));
  if (options.software && optionalPowerShell && versions.powershell === null) {
    return none(
      `PowerShell is not part of this Windows (build ${versions.build}${versions.installationType ? `, ${versions.installationType}` : ""}) and no engine is registered (SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine): the runner is not installed.`,
    );
  }
  if (versions.powershell !== null && Number(versions.powershell.split(".")[0]) < 2) {
    return none(`PowerShell ${versions.powershell} is older than 2.0: the runner is not installed.`);
  }
  if (!options.software) notices.push("No SOFTWARE hive: the PowerShell version could not be checked; the runner needs PowerShell 2.0 or later.");
  const systemRoot = versions.systemRoot ?? "C:\\Windows";
  if (!versions.systemRoot) notices.push("SystemRoot is not recorded in SOFTWARE: the Setup hook assumes C:\\Windows.");

  const setup = options.system.subkey(SETUP_KEY);
  let hooks: HookName[] = options.mechanism === undefined || options.mechanism === "both" ? ["setup", "service"] : [options.mechanism];
  const busy = setupBusyReasons(setup);
  if (busy.length > 0 && hooks.includes("setup")) {
    hooks = hooks.filter((hook) => hook !== "setup");
    notices.push(`SYSTEM\\Setup is in use by Windows Setup (${busy.join(", ")}): the Setup hook is not armed${hooks.length ? "; the fallback service runs the steps" : ""}.`);
    if (hooks.length === 0) return none("The plan asked for the Setup hook only, and Setup owns the key: the runner is not installed.");
  }

  const changes: RegistryChange[] = [];
  const fixup = RUNNER_FIXUP;
  const set = (hive: "SYSTEM" | "SOFTWARE", key: string, name: string, data: RegData, reason: string): void => {
    changes.push({ kind: "set-value", fixup, hive, key, name, data, reason });
  };
  const dword = (value: number): RegData => ({ type: "REG_DWORD", value });
  const sz = (value: string): RegData => ({ type: "REG_SZ", value });

  // Leftovers of an earlier run would make the runner skip steps it finds "ok" or run old ones.
  for (const key of [STEPS_KEY, RESULTS_KEY, HELD_SERVICES_KEY, SETUP_ORIGINAL_KEY, RESTORE_KEY]) {
    if (options.software?.key(key)) changes.push({ kind: "delete-key", fixup, hive: "SOFTWARE", key, reason: "remove what an earlier first-boot run left" });
  }
  changes.push({ kind: "create-key", fixup, hive: "SOFTWARE", key: FIRSTBOOT_KEY, reason: "first-boot runner state" });
  set("SOFTWARE", FIRSTBOOT_KEY, Value.runner, sz(runnerScript()), "the runner script both hooks load");
  set("SOFTWARE", FIRSTBOOT_KEY, Value.state, sz("armed"), "run not started yet");
  set("SOFTWARE", FIRSTBOOT_KEY, Value.boots, dword(0), "boots the run has taken so far");
  set("SOFTWARE", FIRSTBOOT_KEY, Value.maxBoots, dword(maxBoots), `give up after ${maxBoots} boot(s): never a reboot loop`);
  set("SOFTWARE", FIRSTBOOT_KEY, Value.pnpSettleSeconds, dword(settle), "longest wait for Plug and Play to settle");
  set("SOFTWARE", FIRSTBOOT_KEY, Value.rebootWhenRequired, dword(options.rebootWhenRequired ? 1 : 0), "restart once after the run when a step asks (exit 3010)");
  set("SOFTWARE", FIRSTBOOT_KEY, Value.mechanism, sz(hooks.join(",")), "hooks armed");
  set("SOFTWARE", FIRSTBOOT_KEY, Value.setupDeadlineSeconds, dword(deadline), `the Setup hook holds the logon screen at most ${deadline} s; then the fallback service takes the remaining steps`);

  if (hooks.includes("setup")) {
    const cmdLine = setupCommandLine(systemRoot);
    if (cmdLine.length > MAX_HOOK_COMMAND) throw new RangeError(`Setup CmdLine is ${cmdLine.length} characters (limit ${MAX_HOOK_COMMAND})`);
    const oldType = readDword(setup, "SetupType");
    const oldCmd = originalCmdLine(setup);
    changes.push({ kind: "create-key", fixup, hive: "SOFTWARE", key: SETUP_ORIGINAL_KEY, reason: "original SYSTEM\\Setup values, restored by the runner" });
    set("SOFTWARE", SETUP_ORIGINAL_KEY, "SetupType", dword(oldType ?? 0), `SYSTEM\\Setup SetupType was ${oldType ?? "absent (0)"}`);
    set("SOFTWARE", SETUP_ORIGINAL_KEY, "CmdLineType", sz(oldCmd.type), "how to write CmdLine back");
    if (oldCmd.data) set("SOFTWARE", SETUP_ORIGINAL_KEY, "CmdLine", oldCmd.data, "SYSTEM\\Setup CmdLine as it was");
    set("SOFTWARE", SETUP_ORIGINAL_KEY, "Installed", sz(cmdLine), "the CmdLine p2vfix wrote: restored only while it is still there");
    set("SYSTEM", SETUP_KEY, "SetupType", dword(2), `first-boot hook: run CmdLine before the logon screen, then continue (was ${oldType ?? "absent"})`);
    set("SYSTEM", SETUP_KEY, "CmdLine", sz(cmdLine), `first-boot hook: the bootstrap (was ${oldCmd.data ? JSON.stringify("value" in oldCmd.data ? oldCmd.data.value : "") : "absent"})`);
  }

  if (hooks.includes("service")) {
    const imagePath = serviceImagePath();
    if (imagePath.length > MAX_HOOK_COMMAND) throw new RangeError(`service ImagePath is ${imagePath.length} characters (limit ${MAX_HOOK_COMMAND})`);
    const sets = readControlSets(options.system);
    const names = new Set<string>();
    for (const setNumber of [sets.current, sets.default]) if (setNumber !== null && options.system.subkey(controlSetName(setNumber))) names.add(controlSetName(setNumber));
    names.add(sets.resolved);
    for (const cs of [...names].sort()) {
      const key = `${cs}\\Services\\${SERVICE_NAME}`;
      const why = "fallback first-boot hook (delayed start, no dependencies)";
      changes.push({ kind: "create-key", fixup, hive: "SYSTEM", key, reason: why });
      set("SYSTEM", key, "Type", dword(0x10), "own-process service");
      set("SYSTEM", key, "Start", dword(2), "automatic");
      set("SYSTEM", key, "DelayedAutostart", dword(1), "after the other automatic services: no effect on their start");
      set("SYSTEM", key, "ErrorControl", dword(0), "a failed start never triggers Last Known Good");
      set("SYSTEM", key, "ObjectName", sz("LocalSystem"), "runs as SYSTEM");
      set("SYSTEM", key, "DisplayName", sz("p2vfix first boot"), why);
      set("SYSTEM", key, "Description", sz("Runs the p2vfix first-boot steps once, then deletes itself."), why);
      set("SYSTEM", key, "ImagePath", { type: "REG_EXPAND_SZ", value: imagePath }, "cmd starts the bootstrap detached and exits (the SCM logs a start timeout, expected)");
    }
    notices.push(`The fallback service ${SERVICE_NAME} is expected to log events 7000/7009 (start timeout) in the System log when it runs; that is harmless.`);
  }

  if (options.heldServices && options.heldServices.length > 0) {
    changes.push({ kind: "create-key", fixup, hive: "SOFTWARE", key: HELD_SERVICES_KEY, reason: "services held back until the first boot is configured" });
    for (const heldService of options.heldServices) {
      set("SOFTWARE", HELD_SERVICES_KEY, heldService.name, dword(bounded(`Start of ${heldService.name}`, heldService.originalStart, 0, 4)), `re-enable ${heldService.name} after the steps (original Start ${heldService.originalStart})`);
    }
  }
  changes.push(...restoreListChanges(restore, fixup));
  changes.push(...stepsToRegistry(options.steps));
  return { changes, hooks, notices };
}
