/**
 * Where the first-boot runner keeps its state, steps and results, and the names of its two
 * hooks. The runner script, the install edits and the results reader all use these, so the
 * layout is written down once.
 */

/** SOFTWARE-relative key of the runner (HKLM\SOFTWARE\p2vfix\FirstBoot inside the VM). */
export const FIRSTBOOT_KEY = "p2vfix\\FirstBoot";
/** One subkey per step, named by its 3-digit position: Steps\001, Steps\002, ... */
export const STEPS_KEY = `${FIRSTBOOT_KEY}\\Steps`;
/** Status of the run and one subkey per step id. Same path the model's reader uses. */
export const RESULTS_KEY = `${FIRSTBOOT_KEY}\\Results`;
/** Services the plan held back: value name = service, REG_DWORD data = its original Start. */
export const HELD_SERVICES_KEY = `${FIRSTBOOT_KEY}\\HeldServices`;
/** Original SYSTEM\Setup values the Setup hook overwrote, restored when the runner is done. */
export const SETUP_ORIGINAL_KEY = `${FIRSTBOOT_KEY}\\SetupOriginal`;

/**
 * Values changed for the first boot only (crash AutoReboot, NCSI, CRL, SAN policy...): one
 * subkey per value with Hive, Key, Name, Existed, Type, Data (the original, same registry type)
 * and Written (what p2vfix set). The runner puts Data back at the end of the run, but only
 * where the value is still what p2vfix wrote.
 */
export const RESTORE_KEY = `${FIRSTBOOT_KEY}\\Restore`;

/** SYSTEM hive root key winlogon reads SetupType and CmdLine from (not inside a control set). */
export const SETUP_KEY = "Setup";

/** Name of the fallback service (own key under each control set that matters). */
export const SERVICE_NAME = "p2vfixFirstBoot";

/** Values under FIRSTBOOT_KEY. */
export const Value = {
  runner: "Runner",
  state: "State",
  boots: "Boots",
  maxBoots: "MaxBoots",
  mechanism: "Mechanism",
  pnpSettleSeconds: "PnpSettleSeconds",
  rebootWhenRequired: "RebootWhenRequired",
  /** Longest time the Setup-hook phase may hold the logon screen; past it the service takes over. */
  setupDeadlineSeconds: "SetupDeadlineSeconds",
  /** "<pid>@<process start time>" of the runner that holds the run (liveness, not a boot id). */
  claim: "Claim",
} as const;

/** Values of one Steps\NNN subkey. */
export const StepValue = {
  id: "Id",
  title: "Title",
  shell: "Shell",
  script: "Script",
  timeoutSeconds: "TimeoutSeconds",
  retries: "Retries",
  /** cmd steps: the batch text as UTF-8 bytes (REG_BINARY) behind `chcp 65001`, written as is. */
  scriptBytes: "ScriptBytes",
} as const;

/** The hard limits every step and run stays inside, checked when steps are generated. */
export const Limits = {
  maxSteps: 999,
  maxTimeoutSeconds: 24 * 3600,
  maxRetries: 10,
  maxBoots: 10,
  /** Bounds of the Setup-hook phase deadline (default 10 minutes). */
  minSetupDeadlineSeconds: 60,
  maxSetupDeadlineSeconds: 3600,
  defaultSetupDeadlineSeconds: 600,
  /** Output lines kept per step result, and characters per line. */
  outputTailLines: 20,
  outputLineChars: 240,
} as const;
