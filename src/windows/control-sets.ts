/**
 * Control sets: SYSTEM\Select names them; offline there is no CurrentControlSet. The next
 * normal boot uses Select\Default (fall back to Current), per reference section 1.
 */
import { NotFoundError } from "../errors.js";
import { readDword, type RegistryKey } from "./registry.js";
import type { ControlSets } from "./schema.js";

export function controlSetName(number: number): string {
  return `ControlSet${String(number).padStart(3, "0")}`;
}

export function readControlSets(system: RegistryKey): ControlSets {
  const select = system.subkey("Select");
  const available = system
    .subkeys()
    .map((subkey) => subkey.name)
    .filter((name) => /^ControlSet\d{3}$/i.test(name))
    .sort();
  const current = readDword(select, "Current") ?? null;
  const def = readDword(select, "Default") ?? null;
  const has = (number: number | null): number is number => number !== null && system.subkey(controlSetName(number)) !== undefined;
  let resolved: string;
  let resolvedFrom: ControlSets["resolvedFrom"];
  if (has(def)) {
    resolved = controlSetName(def);
    resolvedFrom = "Default";
  } else if (has(current)) {
    resolved = controlSetName(current);
    resolvedFrom = "Current";
  } else if (available.length > 0) {
    resolved = system.subkey(available[0])!.name;
    resolvedFrom = "only-set";
  } else {
    throw new NotFoundError("not-a-system-hive", "no ControlSet00N key: this is not a SYSTEM hive", { path: system.path || "\\" });
  }
  return {
    current,
    default: def,
    lastKnownGood: readDword(select, "LastKnownGood") ?? null,
    failed: readDword(select, "Failed") ?? null,
    resolved: system.subkey(resolved)?.name ?? resolved,
    resolvedFrom,
    available: available.map((name) => system.subkey(name)!.name),
  };
}
