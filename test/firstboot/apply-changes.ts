/**
 * Test helper: applies RegistryChange lists to a hive with the regf writer, so the tests can
 * read back what an install writes (the real apply path lives in the plan/apply layer).
 */
import type { RegData, RegistryChange } from "../../src/changes/change.js";
import type { HiveEditor } from "../../src/regf/edit/editor.js";
import { RegType } from "../../src/regf/value-types.js";

const utf16z = (s: string): Uint8Array => new Uint8Array(Buffer.from(s + "\u0000", "utf16le"));

export function encodeRegData(data: RegData): { type: number; bytes: Uint8Array } {
  if ("hex" in data) {
    const type = typeof data.type === "number" ? data.type : data.type === "REG_BINARY" ? RegType.BINARY : RegType.NONE;
    return { type, bytes: new Uint8Array(Buffer.from(data.hex, "hex")) };
  }
  switch (data.type) {
    case "REG_SZ":
      return { type: RegType.SZ, bytes: utf16z(data.value) };
    case "REG_EXPAND_SZ":
      return { type: RegType.EXPAND_SZ, bytes: utf16z(data.value) };
    case "REG_MULTI_SZ":
      return { type: RegType.MULTI_SZ, bytes: new Uint8Array(Buffer.from(data.value.map((s) => s + "\u0000").join("") + "\u0000", "utf16le")) };
    case "REG_DWORD": {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, data.value >>> 0, true);
      return { type: RegType.DWORD, bytes: b };
    }
    case "REG_QWORD": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(data.value), true);
      return { type: RegType.QWORD, bytes: b };
    }
  }
}

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
