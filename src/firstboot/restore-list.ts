/**
 * The restore list: every registry value a plan changes "for the first boot only" (a change
 * with `restoreAfterFirstBoot`), with the value the image had, stored under
 * SOFTWARE\p2vfix\FirstBoot\Restore\NNN for the runner to put back at the end of the run.
 * Which changes are first-boot-only is data on the change itself (a fixup declares it, the
 * plan carries it, a person can set it to false to keep a change), so a new first-boot-only
 * fixup is covered by construction.
 */
import type { RegData, RegistryChange } from "../changes/change.js";
import { RegType } from "../regf/internal.js";
import type { RegistryKey, RegistryValue } from "../windows/registry.js";
import { RESTORE_KEY } from "./layout.js";

export interface FirstBootOnlyValue {
  fixup: string;
  hive: "SYSTEM" | "SOFTWARE";
  key: string;
  name: string;
  /** What the image had; null when the value was absent (the runner then removes it). */
  original: RegData | null;
  /** What the plan writes: the runner restores only while the value is still this. */
  written: RegData;
}

type SetValue = Extract<RegistryChange, { kind: "set-value" }>;

/** The set-value changes flagged first-boot-only, on SYSTEM or SOFTWARE (what the runner can reach as HKLM). */
export function firstBootOnlyChanges(changes: RegistryChange[]): SetValue[] {
  return changes.filter((change): change is SetValue => change.kind === "set-value" && change.restoreAfterFirstBoot === true && (change.hive === "SYSTEM" || change.hive === "SOFTWARE"));
}

/** A registry value as plan data, exactly (odd types as hex). */
export function valueData(registryValue: RegistryValue): RegData {
  switch (registryValue.type) {
    case RegType.SZ:
      return { type: "REG_SZ", value: registryValue.string() };
    case RegType.EXPAND_SZ:
      return { type: "REG_EXPAND_SZ", value: registryValue.string() };
    case RegType.MULTI_SZ:
      return { type: "REG_MULTI_SZ", value: registryValue.multiString() };
    case RegType.DWORD:
      if (registryValue.dword() !== undefined) return { type: "REG_DWORD", value: registryValue.dword()! };
      break;
    case RegType.QWORD:
      if (registryValue.qword() !== undefined) return { type: "REG_QWORD", value: registryValue.qword()! };
      break;
  }
  return { type: registryValue.type === RegType.BINARY ? "REG_BINARY" : registryValue.type, hex: Buffer.from(registryValue.data()).toString("hex") } as RegData;
}

/**
 * Originals read from the hives before the plan's changes. When an earlier apply of this plan
 * armed a runner that has not run yet, its recorded originals win (the hive already holds the
 * written values): re-applying then changes nothing.
 */
export function readFirstBootOnly(changes: RegistryChange[], hives: { system: RegistryKey; software?: RegistryKey }, recorded: FirstBootOnlyValue[] = []): FirstBootOnlyValue[] {
  const out: FirstBootOnlyValue[] = [];
  const seen = new Set<string>();
  for (const firstBootOnlyChange of firstBootOnlyChanges(changes)) {
    const id = `${firstBootOnlyChange.hive}\\${firstBootOnlyChange.key}\\${firstBootOnlyChange.name}`.toLowerCase();
    if (seen.has(id)) continue;
    seen.add(id);
    const hive = firstBootOnlyChange.hive as "SYSTEM" | "SOFTWARE";
    const earlier = recorded.find((firstBootOnlyValue) => `${firstBootOnlyValue.hive}\\${firstBootOnlyValue.key}\\${firstBootOnlyValue.name}`.toLowerCase() === id);
    const root = hive === "SYSTEM" ? hives.system : hives.software;
    const current = root?.key(firstBootOnlyChange.key)?.value(firstBootOnlyChange.name);
    const original = earlier ? earlier.original : current ? valueData(current) : null;
    out.push({ fixup: firstBootOnlyChange.fixup, hive, key: firstBootOnlyChange.key, name: firstBootOnlyChange.name, original, written: firstBootOnlyChange.data });
  }
  return out;
}

/** The runner's restore list as it was armed (Restore\NNN), for re-applying a plan. */
export function readRestoreList(software: RegistryKey | undefined): FirstBootOnlyValue[] {
  const list = software?.key(RESTORE_KEY);
  if (!list) return [];
  const out: FirstBootOnlyValue[] = [];
  for (const subkey of list.subkeys()) {
    const text = (valueName: string) => { const registryValue = subkey.value(valueName); return registryValue && (registryValue.type === RegType.SZ || registryValue.type === RegType.EXPAND_SZ) ? registryValue.string() : undefined; };
    const hive = text("Hive");
    const key = text("Key");
    const name = text("Name");
    const written = subkey.value("Written");
    if ((hive !== "SYSTEM" && hive !== "SOFTWARE") || key === undefined || name === undefined || !written) continue;
    const data = subkey.value("Data");
    out.push({ fixup: text("Fixup") ?? "", hive, key, name, original: subkey.value("Existed")?.dword() === 1 && data ? valueData(data) : null, written: valueData(written) });
  }
  return out;
}

/** New-ItemProperty -PropertyType for a registry type (what the runner writes back with). */
export function propertyType(data: RegData): string {
  switch (data.type) {
    case "REG_SZ":
      return "String";
    case "REG_EXPAND_SZ":
      return "ExpandString";
    case "REG_MULTI_SZ":
      return "MultiString";
    case "REG_DWORD":
      return "DWord";
    case "REG_QWORD":
      return "QWord";
    default:
      return "Binary";
  }
}

/** The registry edits that store the list (the runner reads them at the end of the run). */
export function restoreListChanges(values: FirstBootOnlyValue[], fixup: string): RegistryChange[] {
  const changes: RegistryChange[] = [];
  if (values.length === 0) return changes;
  changes.push({ kind: "create-key", fixup, hive: "SOFTWARE", key: RESTORE_KEY, reason: "values changed for the first boot only, put back by the runner at the end" });
  values.forEach((firstBootOnlyValue, i) => {
    const key = `${RESTORE_KEY}\\${String(i + 1).padStart(3, "0")}`;
    const reason = `restore ${firstBootOnlyValue.hive}\\${firstBootOnlyValue.key}\\${firstBootOnlyValue.name} after the first boot (${firstBootOnlyValue.fixup})`;
    const set = (name: string, data: RegData) => changes.push({ kind: "set-value", fixup, hive: "SOFTWARE", key, name, data, reason });
    changes.push({ kind: "create-key", fixup, hive: "SOFTWARE", key, reason });
    set("Fixup", { type: "REG_SZ", value: firstBootOnlyValue.fixup });
    set("Hive", { type: "REG_SZ", value: firstBootOnlyValue.hive });
    set("Key", { type: "REG_SZ", value: firstBootOnlyValue.key });
    set("Name", { type: "REG_SZ", value: firstBootOnlyValue.name });
    set("Existed", { type: "REG_DWORD", value: firstBootOnlyValue.original ? 1 : 0 });
    set("Type", { type: "REG_SZ", value: firstBootOnlyValue.original ? propertyType(firstBootOnlyValue.original) : "" });
    if (firstBootOnlyValue.original) set("Data", firstBootOnlyValue.original);
    set("Written", firstBootOnlyValue.written);
  });
  return changes;
}
