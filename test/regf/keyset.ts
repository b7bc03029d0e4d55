/** The whole key/value set of a hive, or of a parsed export, in one comparable shape. */
import type { Hive } from "../../src/regf/hive.js";
import { iterateKeys } from "../../src/regf/walk.js";

export interface ValueFact {
  type: number;
  hex: string;
}
/** key path (from the root, "" = root) → value name → type + data bytes in hex. */
export type KeySet = Map<string, Map<string, ValueFact>>;

export function hiveKeySet(hive: Hive): KeySet {
  const set: KeySet = new Map();
  for (const { key } of iterateKeys(hive.root())) {
    const values = new Map<string, ValueFact>();
    for (const v of key.values()) values.set(v.name, { type: v.type, hex: Buffer.from(v.data()).toString("hex") });
    set.set(key.path, values);
  }
  return set;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** Strips `prefix\` (or the prefix itself for the root) from an exported key path. */
export function relativePath(path: string, prefix: string): string {
  if (path === prefix) return "";
  if (path.startsWith(prefix + "\\")) return path.slice(prefix.length + 1);
  throw new Error(`exported path ${JSON.stringify(path)} is not under ${JSON.stringify(prefix)}`);
}
