/**
 * An in-memory registry built from the operations of a .reg file: how the model reads a
 * regedit export (and the scenario fixtures before they are built into hives). Lookups are
 * case-insensitive with Windows' upper-casing, like a hive's.
 */
import { NotFoundError } from "../errors.js";
import { type RegFile, compareNames, upcaseName, RegType } from "../regf/internal.js";
import type { RegistryKey, RegistryValue } from "./registry.js";
import { descendantAt } from "../util/key-path.js";

function utf16(bytes: Uint8Array): string {
  return new TextDecoder("utf-16le").decode(bytes.subarray(0, bytes.length & ~1));
}

class MemoryValue implements RegistryValue {
  constructor(
    readonly name: string,
    readonly type: number,
    private readonly bytes: Uint8Array,
  ) {}
  data(): Uint8Array {
    return this.bytes.slice();
  }
  string(): string {
    const text = utf16(this.bytes);
    const nul = text.indexOf("\0");
    return nul < 0 ? text : text.slice(0, nul);
  }
  multiString(): string[] {
    const items = utf16(this.bytes).split("\0");
    if (items.length > 0 && items[items.length - 1] === "") items.pop();
    if (items.length > 0 && items[items.length - 1] === "") items.pop();
    return items;
  }
  dword(): number | undefined {
    if (this.bytes.length !== 4) return undefined;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, 4);
    return this.type === RegType.DWORD_BIG_ENDIAN ? view.getUint32(0, false) : view.getUint32(0, true);
  }
  qword(): bigint | undefined {
    if (this.bytes.length !== 8) return undefined;
    return new DataView(this.bytes.buffer, this.bytes.byteOffset, 8).getBigUint64(0, true);
  }
}

export class MemoryKey implements RegistryKey {
  private readonly children = new Map<string, MemoryKey>();
  private readonly valueMap = new Map<string, MemoryValue>();

  constructor(
    readonly name: string,
    readonly path: string,
  ) {}

  /** Sorted as a hive stores them (Windows' upper-case order), so both read the same. */
  subkeys(): MemoryKey[] {
    return [...this.children.values()].sort((a, b) => compareNames(a.name, b.name));
  }
  subkey(name: string): MemoryKey | undefined {
    return this.children.get(upcaseName(name));
  }
  key(relPath: string): MemoryKey | undefined {
    return descendantAt<MemoryKey>(this, relPath);
  }
  values(): MemoryValue[] {
    return [...this.valueMap.values()];
  }
  value(name: string): MemoryValue | undefined {
    return this.valueMap.get(upcaseName(name));
  }

  /** Creates (or finds) the key at a relative path. */
  ensure(relPath: string): MemoryKey {
    let memoryKey: MemoryKey = this;
    for (const part of relPath.split("\\")) {
      if (part === "") continue;
      let child = memoryKey.children.get(upcaseName(part));
      if (!child) {
        child = new MemoryKey(part, memoryKey.path === "" ? part : `${memoryKey.path}\\${part}`);
        memoryKey.children.set(upcaseName(part), child);
      }
      memoryKey = child;
    }
    return memoryKey;
  }
  setValue(name: string, type: number, data: Uint8Array): void {
    this.valueMap.set(upcaseName(name), new MemoryValue(name, type, data));
  }
  deleteValue(name: string): void {
    this.valueMap.delete(upcaseName(name));
  }
  deleteSubkey(name: string): void {
    this.children.delete(upcaseName(name));
  }
}

/**
 * Builds a registry from .reg operations. `rootPrefix` (e.g. "HKEY_LOCAL_MACHINE\SYSTEM") is
 * stripped from every key path; when omitted, the first two components of the first key are
 * used for a HKEY_* path, else the first component (hivexregedit writes "\ControlSet001\...").
 */
export function registryFromRegFile(file: RegFile, options: { rootPrefix?: string; rootName?: string; source?: string } = {}): MemoryKey {
  const first = file.ops.find((op) => op.kind === "key" || op.kind === "delete-key");
  let prefix = options.rootPrefix;
  if (prefix === undefined) {
    const parts = first ? first.path.split("\\") : [];
    prefix = parts.length > 0 && /^HKEY_|^HK(LM|CU|U|CR)$/i.test(parts[0]) ? parts.slice(0, 2).join("\\") : parts[0] ?? "";
  }
  const prefixUp = upcaseName(prefix);
  const root = new MemoryKey(options.rootName ?? (prefix.split("\\").pop() || "ROOT"), "");
  const relative = (path: string, line: number): string => {
    const up = upcaseName(path);
    if (up === prefixUp) return "";
    if (prefixUp === "" || up.startsWith(prefixUp + "\\")) return path.slice(prefix.length === 0 ? 0 : prefix.length + 1);
    throw new NotFoundError("outside-root", `key ${JSON.stringify(path)} is not under ${JSON.stringify(prefix)}`, {
      path: options.source,
      line,
    });
  };
  for (const op of file.ops) {
    switch (op.kind) {
      case "key":
        root.ensure(relative(op.path, op.line));
        break;
      case "delete-key": {
        const rel = relative(op.path, op.line);
        const cut = rel.lastIndexOf("\\");
        const parent = cut < 0 ? root : root.key(rel.slice(0, cut));
        parent?.deleteSubkey(rel.slice(cut + 1));
        break;
      }
      case "value":
        root.ensure(relative(op.keyPath, op.line)).setValue(op.name, op.type, op.data);
        break;
      case "delete-value":
        root.key(relative(op.keyPath, op.line))?.deleteValue(op.name);
        break;
    }
  }
  return root;
}
