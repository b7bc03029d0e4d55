/**
 * Typed reads (string, multi-string, dword) over the registry read interface
 * (registry-interface.ts), fast-pathed to read a hive value where it lies when the key is a
 * hive key, so the Windows model runs on a hive or on a regedit export alike.
 */
import {
  KeyFlags,
  NK,
  nkPosition,
  ValueFlags,
  VK,
  vkPosition,
  decodeName,
  type CellSpace,
  NAME_DIFFERENT,
  RegKey,
  storedNameOrder,
  valueNamedAt,
  vkNameMatch,
  namesEqual,
  upcaseUnit,
  dwordAt,
  multiStringAt,
  qwordAt,
  stringAt,
  typeAt,
  RegType,
} from "../regf/internal.js";
import { RememberedKey } from "./remembered-key.js";
import type { RegistryKey, RegistryValue } from "./registry-interface.js";

export type { RegistryKey, RegistryValue, WindowsHives } from "./registry-interface.js";

function isStringType(type: number): boolean {
  return type === RegType.SZ || type === RegType.EXPAND_SZ;
}

/** The hive key behind `key` (itself, or the key a RememberedKey remembers for), if any. */
export function storedKey(key: RegistryKey): RegKey | undefined {
  if (key instanceof RegKey) return key;
  return key instanceof RememberedKey ? storedKey(key.inner) : undefined;
}

/** The value `key.value(name)` gives: its vk position for a hive key (-1: none), else the value. */
function findValue(key: RegistryKey, name: string): RegistryValue | number | undefined {
  if (key instanceof StoredValueIndex) return key.valuePosition(name);
  const stored = storedKey(key);
  return stored ? stored.valuePosition(name) : key.value(name);
}

/** The cells of a key `findValue` answered with a position for. */
function cellSpaceOf(key: RegistryKey): CellSpace {
  return key instanceof StoredValueIndex ? key.cellSpace : storedKey(key)!.cellSpace;
}

/** A REG_SZ/REG_EXPAND_SZ value as text (first string of a MULTI_SZ); undefined otherwise. */
export function readString(key: RegistryKey | undefined, name: string): string | undefined {
  if (key === undefined) return undefined;
  const found = findValue(key, name);
  return typeof found === "number" ? storedString(cellSpaceOf(key), found) : stringOf(found);
}

/** A REG_MULTI_SZ as a list; a plain string value becomes a one-element list. Empty strings dropped. */
export function readMulti(key: RegistryKey | undefined, name: string): string[] | undefined {
  if (key === undefined) return undefined;
  const found = findValue(key, name);
  return typeof found === "number" ? storedMulti(cellSpaceOf(key), found) : multiOf(found);
}

/** A REG_DWORD (or a 4-byte value of type NONE/BINARY, as some installers write); undefined otherwise. */
export function readDword(key: RegistryKey | undefined, name: string): number | undefined {
  if (key === undefined) return undefined;
  const found = findValue(key, name);
  return typeof found === "number" ? storedDword(cellSpaceOf(key), found) : dwordOf(found);
}

/*
 * Each typed read twice: of a RegistryValue, and of a hive value by the position of its
 * checked vk (-1: none), read where it lies with value.ts (no RegValue per lookup). The pairs
 * must answer alike (test/windows/typed-reads.test.ts).
 */

function stringOf(registryValue: RegistryValue | undefined): string | undefined {
  if (!registryValue) return undefined;
  if (isStringType(registryValue.type)) return registryValue.string();
  if (registryValue.type === RegType.MULTI_SZ) return registryValue.multiString()[0];
  return undefined;
}

/** `readString` of the hive value whose vk is at `pos`. */
export function storedString(space: CellSpace, pos: number): string | undefined {
  if (pos < 0) return undefined;
  const type = typeAt(space, pos);
  if (isStringType(type)) return stringAt(space, pos);
  if (type === RegType.MULTI_SZ) return multiStringAt(space, pos)[0];
  return undefined;
}

function multiOf(registryValue: RegistryValue | undefined): string[] | undefined {
  if (!registryValue) return undefined;
  if (registryValue.type === RegType.MULTI_SZ) return registryValue.multiString().filter((text) => text.length > 0);
  if (isStringType(registryValue.type)) {
    const text = registryValue.string();
    return text.length > 0 ? [text] : [];
  }
  return undefined;
}

/** `readMulti` of the hive value whose vk is at `pos`. */
export function storedMulti(space: CellSpace, pos: number): string[] | undefined {
  if (pos < 0) return undefined;
  const type = typeAt(space, pos);
  if (type === RegType.MULTI_SZ) return multiStringAt(space, pos).filter((text) => text.length > 0);
  if (isStringType(type)) {
    const text = stringAt(space, pos);
    return text.length > 0 ? [text] : [];
  }
  return undefined;
}

function dwordOf(registryValue: RegistryValue | undefined): number | undefined {
  if (!registryValue) return undefined;
  if (registryValue.type === RegType.DWORD || registryValue.type === RegType.DWORD_BIG_ENDIAN) return registryValue.dword();
  if (registryValue.type === RegType.QWORD) {
    const qword = registryValue.qword();
    return qword !== undefined && qword <= 0xffffffffn ? Number(qword) : undefined;
  }
  return undefined;
}

/** `readDword` of the hive value whose vk is at `pos`. */
export function storedDword(space: CellSpace, pos: number): number | undefined {
  if (pos < 0) return undefined;
  const type = typeAt(space, pos);
  if (type === RegType.DWORD || type === RegType.DWORD_BIG_ENDIAN) return dwordAt(space, pos);
  if (type === RegType.QWORD) {
    const qword = qwordAt(space, pos);
    return qword !== undefined && qword <= 0xffffffffn ? Number(qword) : undefined;
  }
  return undefined;
}

/** A key's REG_SZ/REG_EXPAND_SZ values in stored order: their names, and each one's text. */
export interface StringValues {
  names: string[];
  text(index: number): string;
}

/**
 * The string values of a key (what `values()` filtered on those types gives). For a hive key
 * every entry is checked as `values()` checks it, but only the string values' names are decoded
 * and no value is built: for keys read whole, with many values (a network adapter's).
 */
export function stringValues(key: RegistryKey): StringValues {
  const stored = storedKey(key);
  if (!stored) {
    const values = key.values().filter((registryValue) => isStringType(registryValue.type));
    return { names: values.map((value) => value.name), text: (index) => values[index].string() };
  }
  const space = stored.cellSpace;
  const names: string[] = [];
  const positions: number[] = [];
  const list = stored.valueListPosition();
  const count = list < 0 ? 0 : stored.valueCount;
  for (let i = 0; i < count; i++) {
    const pos = vkPosition(space, space.u32(list + 4 * i));
    if (!isStringType(typeAt(space, pos))) continue;
    names.push(decodeName(space.bytes, pos + VK.name, space.u16(pos + VK.nameLength), (space.u16(pos + VK.flags) & ValueFlags.COMP_NAME) !== 0));
    positions.push(pos);
  }
  return { names, text: (index) => stringAt(space, positions[index]) };
}

/** Subkeys, tolerating a key that vanished. Bounded: a registry never has this many children. */
export function subkeysOf(key: RegistryKey | undefined): RegistryKey[] {
  return key ? key.subkeys() : [];
}

/**
 * The subkeys with the given names (compared as Windows does), found in one pass over the
 * key's subkey names: for many names asked of a large key (thousands of entries), where most
 * are absent and proving each absence alone would read every name again. Keyed by the name
 * as asked; a name present twice (corrupt) gives the last.
 */
export function subkeysNamed(key: RegistryKey | undefined, names: Iterable<string>): Map<string, RegistryKey> {
  const found = new Map<string, RegistryKey>();
  if (!key) return found;
  // Grouped by length: nearly every subkey is ruled out without a character compared.
  const byLength = new Map<number, string[]>();
  for (const name of new Set(names)) {
    const group = byLength.get(name.length);
    if (group) group.push(name);
    else byLength.set(name.length, [name]);
  }
  const stored = storedKey(key);
  if (stored) {
    // Many names share a length (hardware ids, "pci#ven_8086&dev_7111"): a stored name of a
    // wanted length is keyed by its length and its last few units upper-cased (where such ids
    // differ), and compared only with the wanted names of the same key. Equal names always
    // have equal keys, so the key only spares compares, it never decides.
    const wantedLength: boolean[] = [];
    const byTail = new Map<number, string[]>();
    for (const group of byLength.values()) {
      for (const want of group) {
        wantedLength[want.length] = true;
        const tail = nameTailKey(want);
        const same = byTail.get(tail);
        if (same) same.push(want);
        else byTail.set(tail, [want]);
      }
    }
    const space = stored.cellSpace;
    const bytes = space.bytes;
    for (const offset of stored.subkeyOffsets()) {
      // Names are compared where they are stored (after every check readNk makes): only the
      // keys found are decoded.
      const pos = nkPosition(space, offset);
      const byteLength = space.u16(pos + NK.nameLength);
      const compressed = (space.u16(pos + NK.flags) & KeyFlags.COMP_NAME) !== 0;
      const units = compressed ? byteLength : byteLength >>> 1;
      if (wantedLength[units] !== true) continue;
      const at = pos + NK.name;
      const group = byTail.get(storedTailKey(bytes, at, units, compressed));
      if (group === undefined) continue;
      for (const want of group) {
        if (storedNameOrder(bytes, at, byteLength, compressed, want, true) === 0) found.set(want, RegKey.at(space, offset, stored.path));
      }
    }
    return found;
  }
  for (const sub of key.subkeys()) {
    for (const want of byLength.get(sub.name.length) ?? []) if (namesEqual(want, sub.name)) found.set(want, sub);
  }
  return found;
}

/** Units hashed by `tailKey`: the end of a name is where hardware ids and GUIDs differ. */
const TAIL_UNITS = 4;

/** A name's length and its last TAIL_UNITS units upper-cased, as one number. */
function nameTailKey(name: string): number {
  let hash = name.length;
  for (let i = Math.max(0, name.length - TAIL_UNITS); i < name.length; i++) hash = (Math.imul(hash, 37) + upcaseUnit(name.charCodeAt(i))) >>> 0;
  return hash;
}

/** `nameTailKey` of a name still in the hive bytes (Latin-1 when `compressed`, else UTF-16LE). */
function storedTailKey(bytes: Uint8Array, pos: number, units: number, compressed: boolean): number {
  let hash = units;
  for (let i = Math.max(0, units - TAIL_UNITS); i < units; i++) {
    const unit = compressed ? bytes[pos + i] : bytes[pos + 2 * i] | (bytes[pos + 2 * i + 1] << 8);
    hash = (Math.imul(hash, 37) + upcaseUnit(unit)) >>> 0;
  }
  return hash;
}

/** Joins key path components with "\". */
export function joinPath(...parts: string[]): string {
  return parts.filter((part) => part.length > 0).join("\\");
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += HEX_BYTES[bytes[i]];
  return text;
}

/**
 * A view of a key whose values are decoded once: for keys the model asks many values of (a
 * service, an adapter), instead of one value-list scan (and vk decode) per lookup. A lookup
 * compares names as Windows does, first match first; no upper-cased copy of every name is
 * built (a key has a handful of values, most of other lengths: a scan beats a map here).
 */
export function withValueIndex(key: RegistryKey): RegistryKey {
  const stored = storedKey(key);
  if (stored) return new StoredValueIndex(stored);
  let all: RegistryValue[] | undefined;
  return {
    name: key.name,
    path: key.path,
    subkeys: () => key.subkeys(),
    subkey: (name) => key.subkey(name),
    key: (rel) => key.key(rel),
    values: () => (all ??= key.values()),
    value(name: string): RegistryValue | undefined {
      for (const registryValue of (all ??= key.values())) if (namesEqual(registryValue.name, name)) return registryValue;
      return undefined;
    },
  };
}


/**
 * `withValueIndex` for a hive key: every vk of the list is checked once, on first use (as
 * `values()` would, so a corrupt entry fails the key just the same), and a lookup compares
 * names where they are stored, decoding only the value found. A class: hundreds are made
 * per inspect (one per service).
 */
class StoredValueIndex implements RegistryKey {
  readonly name: string;
  readonly path: string;
  /** Per entry: vk offset, checked vk position, name length in units (filled on first use). */
  private entries: number[] | undefined;
  private all: RegistryValue[] | undefined;

  constructor(private readonly hiveKey: RegKey) {
    this.name = hiveKey.name;
    this.path = hiveKey.path;
  }

  subkeys(): RegistryKey[] {
    return this.hiveKey.subkeys();
  }

  subkey(name: string): RegistryKey | undefined {
    return this.hiveKey.subkey(name);
  }

  key(rel: string): RegistryKey | undefined {
    return this.hiveKey.key(rel);
  }

  values(): RegistryValue[] {
    return (this.all ??= this.hiveKey.values());
  }

  get cellSpace(): CellSpace {
    return this.hiveKey.cellSpace;
  }

  value(name: string): RegistryValue | undefined {
    const space = this.hiveKey.cellSpace;
    const entries = (this.entries ??= this.index());
    // Names of another length (nearly all) are ruled out without touching the hive.
    for (let i = 0; i < entries.length; i += 3) {
      if (entries[i + 2] !== name.length) continue;
      const found = valueNamedAt(space, entries[i], entries[i + 1], name);
      if (found) return found;
    }
    return undefined;
  }

  /** File position of the vk `value(name)` finds, or -1 (see RegKey.valuePosition). */
  valuePosition(name: string): number {
    const space = this.hiveKey.cellSpace;
    const entries = (this.entries ??= this.index());
    for (let i = 0; i < entries.length; i += 3) {
      if (entries[i + 2] === name.length && vkNameMatch(space, entries[i + 1], name) !== NAME_DIFFERENT) return entries[i + 1];
    }
    return -1;
  }

  /** Every vk checked (in list order, so the first bad one fails the key) and its name length. */
  private index(): number[] {
    const space = this.hiveKey.cellSpace;
    const offsets = this.hiveKey.valueOffsets();
    // A plain array: a typed array costs more to allocate than this whole index to fill.
    const entries = new Array<number>(offsets.length * 3);
    for (let i = 0; i < offsets.length; i++) {
      const pos = vkPosition(space, offsets[i]);
      const byteLength = space.u16(pos + VK.nameLength);
      entries[3 * i] = offsets[i];
      entries[3 * i + 1] = pos;
      entries[3 * i + 2] = (space.u16(pos + VK.flags) & ValueFlags.COMP_NAME) !== 0 ? byteLength : byteLength >>> 1;
    }
    return entries;
  }
}
