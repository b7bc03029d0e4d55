/**
 * Applying registry changes to one hive in memory, idempotently: a change that would leave the
 * hive as it is (value already holding the same type and bytes, key already there or already
 * gone) is skipped and touches nothing, not even a key's timestamp, so applying a plan twice
 * changes nothing the second time. Every change made is returned with the old and new state
 * for the diff.
 */
import { type HiveEditor, RegKey } from "../regf/internal.js";
import type { HiveName, RegistryChange } from "./change.js";
import { describeRegBytes, encodeRegData } from "./reg-data.js";

export interface DiffEntry {
  hive: HiveName;
  key: string;
  /** Value name; undefined for key changes. */
  name?: string;
  action: "create-key" | "delete-key" | "set-value" | "delete-value";
  /** Old state as text (undefined: absent). */
  before?: string;
  /** New state as text (undefined: absent). */
  after?: string;
  fixup: string;
  reason: string;
}

function keyAt(editor: HiveEditor, path: string): RegKey | undefined {
  const offset = editor.find(path);
  return offset === undefined ? undefined : RegKey.at(editor.cells.space, offset, "");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Applies the changes for `hive` (others are ignored); returns what actually changed. */
export function applyRegistryChanges(editor: HiveEditor, hive: HiveName, changes: RegistryChange[]): DiffEntry[] {
  const diff: DiffEntry[] = [];
  for (const c of changes) {
    if (c.hive !== hive) continue;
    const base = { hive, key: c.key, fixup: c.fixup, reason: c.reason };
    switch (c.kind) {
      case "create-key":
        if (!editor.keyExists(c.key)) {
          editor.createKey(c.key);
          diff.push({ ...base, action: "create-key" });
        }
        break;
      case "delete-key": {
        const key = keyAt(editor, c.key);
        if (key) {
          diff.push({ ...base, action: "delete-key", before: `${key.subkeys().length} subkeys, ${key.values().length} values` });
          editor.deleteKey(c.key);
        }
        break;
      }
      case "set-value": {
        const { type, bytes } = encodeRegData(c.data);
        const key = keyAt(editor, c.key);
        const old = key?.value(c.name);
        const oldBytes = old?.data();
        if (old && old.type === type && oldBytes && sameBytes(oldBytes, bytes)) break;
        if (!key) {
          editor.createKey(c.key);
          diff.push({ ...base, action: "create-key" });
        }
        editor.setValue(c.key, c.name, type, bytes);
        diff.push({ ...base, name: c.name, action: "set-value", ...(old && oldBytes ? { before: describeRegBytes(old.type, oldBytes) } : {}), after: describeRegBytes(type, bytes) });
        break;
      }
      case "delete-value": {
        const old = keyAt(editor, c.key)?.value(c.name);
        if (old) {
          diff.push({ ...base, name: c.name, action: "delete-value", before: describeRegBytes(old.type, old.data()) });
          editor.deleteValue(c.key, c.name);
        }
        break;
      }
    }
  }
  return diff;
}
