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
import { sameBytes } from "../util/same-bytes.js";

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

/** Applies the changes for `hive` (others are ignored); returns what actually changed. */
export function applyRegistryChanges(editor: HiveEditor, hive: HiveName, changes: RegistryChange[]): DiffEntry[] {
  const diff: DiffEntry[] = [];
  for (const change of changes) {
    if (change.hive !== hive) continue;
    const base = { hive, key: change.key, fixup: change.fixup, reason: change.reason };
    switch (change.kind) {
      case "create-key":
        if (!editor.keyExists(change.key)) {
          editor.createKey(change.key);
          diff.push({ ...base, action: "create-key" });
        }
        break;
      case "delete-key": {
        const key = keyAt(editor, change.key);
        if (key) {
          diff.push({ ...base, action: "delete-key", before: `${key.subkeys().length} subkeys, ${key.values().length} values` });
          editor.deleteKey(change.key);
        }
        break;
      }
      case "set-value": {
        const { type, bytes } = encodeRegData(change.data);
        const key = keyAt(editor, change.key);
        const old = key?.value(change.name);
        const oldBytes = old?.data();
        if (old && old.type === type && oldBytes && sameBytes(oldBytes, bytes)) break;
        if (!key) {
          editor.createKey(change.key);
          diff.push({ ...base, action: "create-key" });
        }
        editor.setValue(change.key, change.name, type, bytes);
        diff.push({ ...base, name: change.name, action: "set-value", ...(old && oldBytes ? { before: describeRegBytes(old.type, oldBytes) } : {}), after: describeRegBytes(type, bytes) });
        break;
      }
      case "delete-value": {
        const old = keyAt(editor, change.key)?.value(change.name);
        if (old) {
          diff.push({ ...base, name: change.name, action: "delete-value", before: describeRegBytes(old.type, old.data()) });
          editor.deleteValue(change.key, change.name);
        }
        break;
      }
    }
  }
  return diff;
}
