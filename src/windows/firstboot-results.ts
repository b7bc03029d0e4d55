/**
 * Results a previous p2vfix first boot left in SOFTWARE\p2vfix\FirstBoot\Results: the values
 * of the Results key and one entry per step subkey, read generically (the runner of issue 7
 * defines the value names).
 */
import { RegType } from "../regf/internal.js";
import type { RegistryKey, RegistryValue } from "./registry.js";
import type { FirstBootResults } from "./schema.js";

export const RESULTS_KEY = "p2vfix\\FirstBoot\\Results";

function plain(registryValue: RegistryValue): string | number | string[] {
  switch (registryValue.type) {
    case RegType.DWORD:
    case RegType.DWORD_BIG_ENDIAN:
      return registryValue.dword() ?? 0;
    case RegType.QWORD: {
      const qword = registryValue.qword() ?? 0n;
      return qword <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(qword) : qword.toString();
    }
    case RegType.MULTI_SZ:
      return registryValue.multiString();
    case RegType.SZ:
    case RegType.EXPAND_SZ:
      return registryValue.string();
    default:
      return Buffer.from(registryValue.data()).toString("hex");
  }
}

function valuesOf(key: RegistryKey): Record<string, string | number | string[]> {
  const out: Record<string, string | number | string[]> = {};
  for (const registryValue of key.values()) out[registryValue.name] = plain(registryValue);
  return out;
}

export function readFirstBootResults(software: RegistryKey | undefined): FirstBootResults | null {
  const results = software?.key(RESULTS_KEY);
  if (!results) return null;
  return {
    values: valuesOf(results),
    steps: results
      .subkeys()
      .map((subkey) => ({ name: subkey.name, values: valuesOf(subkey) }))
      .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true })),
  };
}
