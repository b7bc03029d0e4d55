/**
 * Test helper: applies RegistryChange lists to a hive with the regf writer, so the tests can
 * read back what an install writes (the real apply path lives in the plan/apply layer).
 */
import type { RegistryChange } from "../../src/changes/change.js";
import { encodeRegData } from "../../src/changes/reg-data.js";
import type { HiveEditor } from "../../src/regf/edit/editor.js";

export function applyChanges(editor: HiveEditor, changes: RegistryChange[]): void {
  for (const c of changes) {
    if (c.kind === "create-key") editor.createKey(c.key);
    else if (c.kind === "delete-key") {
      if (editor.keyExists(c.key)) editor.deleteKey(c.key);
    } else if (c.kind === "set-value") {
      if (!editor.keyExists(c.key)) editor.createKey(c.key);
      const { type, bytes } = encodeRegData(c.data);
      editor.setValue(c.key, c.name, type, bytes);
    } else editor.deleteValue(c.key, c.name);
  }
}
