/**
 * Control sets: SYSTEM\Select names them; offline there is no CurrentControlSet. The next
 * normal boot uses Select\Default (fall back to Current), per reference section 1.
 */
import { NotFoundError } from "../errors.js";
import { readDword, type RegistryKey } from "./registry.js";
import type { ControlSets } from "./schema.js";

export function controlSetName(n: number): string {
  return `ControlSet${String(n).padStart(3, "0")}`;
}

export function readControlSets(system: RegistryKey): ControlSets {
  const select = system.subkey("Select");
  const available = system
    .subkeys()
    .map((subkey) => subkey.name)
    .filter((n) => /^ControlSet\d{3}$/i.test(n))
    .sort();
  const current = readDword(select, "Current") ?? null;
  const def = readDword(select, "Default") ?? null;
  const has = (n: number | null): n is number => n !== null && system.subkey(controlSetName(n)) !== undefined;
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
    available: available.map((n) => system.subkey(n)!.name),
  };
}
