/** An in-memory registry model for property tests, compared with a hive read back. */
import type { Hive } from "../../../src/regf/hive.js";
import type { RegKey } from "../../../src/regf/key.js";
import { upcaseName } from "../../../src/regf/names.js";

export interface ModelValue {
  name: string;
  type: number;
  data: Uint8Array;
}

export interface ModelKey {
  name: string;
  children: Map<string, ModelKey>;
  values: Map<string, ModelValue>;
}

export const newModelKey = (name: string): ModelKey => ({ name, children: new Map(), values: new Map() });

/** The key at a path of names (case-insensitive), or undefined. */
export function modelFind(root: ModelKey, parts: string[]): ModelKey | undefined {
  let k: ModelKey | undefined = root;
  for (const p of parts) {
    k = k.children.get(upcaseName(p));
    if (!k) return undefined;
  }
  return k;
}

export interface Snapshot {
  name: string;
  values: { name: string; type: number; data: string }[];
  children: Snapshot[];
}

const hex = (d: Uint8Array) => Buffer.from(d).toString("hex");
const byUpper = <T extends { name: string }>(a: T, b: T) => (upcaseName(a.name) < upcaseName(b.name) ? -1 : upcaseName(a.name) > upcaseName(b.name) ? 1 : 0);

export function snapshotModel(k: ModelKey): Snapshot {
  return {
    name: k.name,
    values: [...k.values.values()].map((v) => ({ name: v.name, type: v.type, data: hex(v.data) })).sort(byUpper),
    children: [...k.children.values()].map(snapshotModel).sort(byUpper),
  };
}

export function snapshotKey(k: RegKey): Snapshot {
  return {
    name: k.name,
    values: k.values().map((v) => ({ name: v.name, type: v.type, data: hex(v.data()) })).sort(byUpper),
    children: k.subkeys().map(snapshotKey).sort(byUpper),
  };
}

export function snapshotHive(h: Hive): Snapshot {
  return snapshotKey(h.root());
}
