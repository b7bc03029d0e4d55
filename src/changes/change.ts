/**
 * The change list: what fixups produce and what plan, diff, apply, undo and the web preview
 * all consume. Every change names the fixup that wants it and why, so a person reading a
 * plan or a diff can trace each line back to a finding.
 */

/** Hives a change can target, by their name under System32\config (BCD: the boot store). */
export type HiveName = "SYSTEM" | "SOFTWARE" | "DEFAULT" | "SAM" | "SECURITY" | "BCD";

/**
 * Registry data in a form people can read and edit in a plan. `hex` covers every type
 * exactly (including non-standard type numbers); the other forms are conveniences.
 */
export type RegData =
  | { type: "REG_SZ" | "REG_EXPAND_SZ"; value: string }
  | { type: "REG_MULTI_SZ"; value: string[] }
  | { type: "REG_DWORD"; value: number }
  | { type: "REG_QWORD"; value: bigint | number }
  | { type: "REG_BINARY" | "REG_NONE"; hex: string }
  | { type: number; hex: string };

interface ChangeBase {
  /** Fixup id that produced the change (e.g. "ncsi-active-probing"). */
  fixup: string;
  /** One line for a person: why this change. */
  reason: string;
}

/** Key paths are relative to the hive root, "\"-separated, with the control set resolved (ControlSet001\...). */
export type RegistryChange =
  | (ChangeBase & { kind: "create-key"; hive: HiveName; key: string })
  | (ChangeBase & { kind: "delete-key"; hive: HiveName; key: string })
  | (ChangeBase & {
      kind: "set-value";
      hive: HiveName;
      key: string;
      name: string;
      data: RegData;
      /** For the first boot only: the runner puts the original value back at the end of its run. */
      restoreAfterFirstBoot?: boolean;
    })
  | (ChangeBase & { kind: "delete-value"; hive: HiveName; key: string; name: string });

/** A step the first-boot runner executes inside the booted VM, in order. */
export interface FirstBootStep extends ChangeBase {
  kind: "firstboot-step";
  /** Stable id, unique in a plan (e.g. "move-static-ip"). */
  id: string;
  title: string;
  shell: "powershell" | "cmd";
  script: string;
  /** Hard time limit for one attempt. */
  timeoutSeconds: number;
  /** Attempts after the first failure (bounded; never a reboot loop). */
  retries: number;
}

/** Link state of a NIC in the VM definition (vmconfig). */
export interface VmLinkChange extends ChangeBase {
  kind: "vm-link";
  /** VM definition file. */
  file: string;
  nic: { index?: number; mac?: string; all?: true };
  up: boolean;
}

export type Change = RegistryChange | FirstBootStep | VmLinkChange;

/**
 * A service whose Start a plan changes, with the value it had, so the change can be undone by
 * hand and, when `reEnable` is set, the first-boot runner writes `originalStart` back once the
 * network is configured (its held-services list).
 */
export interface ServiceStartChange {
  fixup: string;
  reason: string;
  service: string;
  /** Start as found in the image (null: the service had no Start value). */
  originalStart: number | null;
  start: number;
  /** The first-boot runner restores originalStart after its steps (services held back only). */
  reEnable: boolean;
  /** Control sets whose Services\<service>\Start is written (ControlSet001, ...). */
  controlSets: string[];
}
