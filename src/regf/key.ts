/** A registry key: a view over its nk cell; subkeys and values are read when asked for. */
import { RegfError } from "../errors.js";
import { CELL_NONE, decodeName, type CellSpace } from "./cells/cell.js";
import { KeyFlags, NK, nkPosition, readNk } from "./cells/nk.js";
import { readSk } from "./cells/sk.js";
import { ELEMENT_SIZE, listKindAt, readSubkeyOffsets, SUBKEY_LIST, subkeyCandidates, subkeyListKind } from "./cells/subkey-list.js";
import { readValueList, valueListPosition } from "./cells/value-list.js";
import { readVk, ValueFlags, VK, VK_DATA_INLINE, vkPosition, type VkRecord } from "./cells/vk.js";
import { lhHash, namesEqual, upcaseUnit } from "./names.js";
import { utf16All, RegValue } from "./value.js";
import { descendantAt } from "../util/key-path.js";

export class RegKey {
  readonly name: string;
  /** Cell offset of the nk record (relative to the hive bins data). */
  readonly offset: number;
  private readonly space: CellSpace;
  /** File position of the nk record (its signature): the fields are read from there when asked. */
  private readonly pos: number;
  /** Path of the parent from the hive root; undefined for the root itself. */
  private readonly parentPath: string | undefined;
  private joinedPath: string | undefined = undefined;

  private constructor(space: CellSpace, offset: number, parentPath: string | undefined) {
    const pos = nkPosition(space, offset);
    this.space = space;
    this.offset = offset;
    this.pos = pos;
    this.parentPath = parentPath;
    this.name = decodeName(space.bytes, pos + NK.name, space.u16(pos + NK.nameLength), (space.u16(pos + NK.flags) & KeyFlags.COMP_NAME) !== 0);
  }

  /** Reads the key node at `offset` as a child of `parentPath`. */
  static at(space: CellSpace, offset: number, parentPath: string | undefined): RegKey {
    return new RegKey(space, offset, parentPath);
  }

  /** Path from the hive root, "\"-separated; "" for the root itself (joined when first asked). */
  get path(): string {
    if (this.joinedPath === undefined) {
      const parent = this.parentPath;
      this.joinedPath = parent === undefined ? "" : parent === "" ? this.name : `${parent}\\${this.name}`;
    }
    return this.joinedPath;
  }

  get flags(): number {
    return this.space.u16(this.pos + NK.flags);
  }

  get subkeyCount(): number {
    return this.space.u32(this.pos + NK.subkeyCount);
  }

  get valueCount(): number {
    return this.space.u32(this.pos + NK.valueCount);
  }

  private get subkeyList(): number {
    return this.space.u32(this.pos + NK.subkeyList);
  }

  private get valueList(): number {
    return this.space.u32(this.pos + NK.valueList);
  }

  private get security(): number {
    return this.space.u32(this.pos + NK.security);
  }

  /** The cells the key is read from: for whole-tree walks that work on offsets (walk.ts). */
  get cellSpace(): CellSpace {
    return this.space;
  }

  /** FILETIME: 100 ns ticks since 1601-01-01 UTC (read when asked: a BigInt per key adds up). */
  get lastWritten(): bigint {
    return this.space.u64(this.pos + NK.lastWritten);
  }

  /** Cell offset of the parent key node (as stored). */
  get parentOffset(): number {
    return this.space.u32(this.pos + NK.parent);
  }

  className(): string | undefined {
    const className = this.space.u32(this.pos + NK.className);
    const classNameLength = this.space.u16(this.pos + NK.classNameLength);
    if (className === CELL_NONE || classNameLength === 0) return undefined;
    const pos = this.space.cell(className, "class name");
    if (classNameLength > this.space.dataLength(pos)) {
      throw new RegfError("bad-class-name", `class name (${classNameLength} bytes) runs past its cell`, { offset: pos, path: this.path });
    }
    return utf16All(this.space.bytes.subarray(pos, pos + classNameLength));
  }

  /** Offsets of the subkey nk cells in stored order (sorted by Windows' upper case). */
  subkeyOffsets(): number[] {
    if (this.subkeyCount === 0) return [];
    return readSubkeyOffsets(this.space, this.subkeyList);
  }

  subkeys(): RegKey[] {
    return this.subkeyOffsets().map((off) => RegKey.at(this.space, off, this.path));
  }

  /** Case-insensitive (Windows upper-casing); undefined when there is no such subkey. */
  subkey(name: string): RegKey | undefined {
    if (this.subkeyCount === 0) return undefined;
    const found = this.findSubkey(name);
    return found < 0 ? undefined : new RegKey(this.space, found, this.path);
  }

  /** Offset of the subkey's nk cell, -1 when there is none. */
  private findSubkey(name: string): number {
    const space = this.space;
    const list = this.subkeyList;
    const leaf = list === CELL_NONE ? -1 : leafPosition(space, list);
    if (leaf < 0) {
      // An index root (or no list): through the offsets of all its leaves.
      const offsets = this.subkeyOffsets();
      // An unsorted list can hide a name from the binary search; then look where Windows looks:
      // entries whose lh hash matches (every entry of lf/li lists).
      const sorted = findSorted(space, name, offsets.length, offsets);
      if (sorted >= 0) return sorted;
      const candidate = subkeyCandidates(space, list, lhHash(name))
        .map((off) => readNk(space, off))
        .find((nk) => namesEqual(nk.name, name));
      return candidate ? candidate.offset : -1;
    }
    // One leaf: searched where it lies, without an array of its offsets; the same fallback.
    const count = space.u16(leaf + SUBKEY_LIST.count);
    const isLh = space.bytes[leaf + 1] === 0x68;
    const stride = space.bytes[leaf + 1] === 0x69 ? 4 : 8;
    const elements = leaf + SUBKEY_LIST.elements;
    const sorted = findSorted(space, name, count, undefined, elements, stride);
    if (sorted >= 0) return sorted;
    const hash = isLh ? lhHash(name) : 0;
    let match = -1;
    for (let i = 0; i < count; i++) {
      if (isLh && space.u32(elements + i * 8 + 4) !== hash) continue;
      const offset = space.u32(elements + i * stride);
      // Every candidate is checked, as reading each would (a corrupt one fails the lookup).
      const pos = nkPosition(space, offset);
      if (match >= 0) continue;
      const compressed = (space.u16(pos + NK.flags) & KeyFlags.COMP_NAME) !== 0;
      if (storedNameOrder(space.bytes, pos + NK.name, space.u16(pos + NK.nameLength), compressed, name, true) === 0) match = offset;
    }
    return match;
  }

  /** A descendant by "\"-separated relative path; "" is this key. */
  key(relPath: string): RegKey | undefined {
    return descendantAt<RegKey>(this, relPath);
  }

  /**
   * File position of the value list (checked as `valueOffsets()` checks it), -1 when the key
   * has no values: entry i is the vk offset `cellSpace.u32(pos + 4 * i)`, i < valueCount.
   */
  valueListPosition(): number {
    return valueListPosition(this.space, this.valueList, this.valueCount);
  }

  /** Offsets of the vk cells in stored order (the list checked, the entries not yet). */
  valueOffsets(): number[] {
    return readValueList(this.space, this.valueList, this.valueCount);
  }

  values(): RegValue[] {
    const offsets = this.valueOffsets();
    return offsets.map((off) => new RegValue(this.space, readVk(this.space, off)));
  }

  /** Case-insensitive; "" is the default value. */
  value(name: string): RegValue | undefined {
    const space = this.space;
    const list = valueListPosition(space, this.valueList, this.valueCount);
    if (list < 0) return undefined;
    // Names are compared where they are stored: only the value found is decoded.
    for (let i = 0; i < this.valueCount; i++) {
      const off = space.u32(list + 4 * i);
      const found = valueNamedAt(space, off, vkPosition(space, off), name);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * File position of the vk `value(name)` finds (-1 when none), with the same checks: for
   * callers that only read its data (value.ts typeAt, stringAt, ...), so no value is built.
   */
  valuePosition(name: string): number {
    const space = this.space;
    const list = valueListPosition(space, this.valueList, this.valueCount);
    if (list < 0) return -1;
    for (let i = 0; i < this.valueCount; i++) {
      const pos = vkPosition(space, space.u32(list + 4 * i));
      if (vkNameMatch(space, pos, name) !== NAME_DIFFERENT) return pos;
    }
    return -1;
  }

  /** The self-relative SECURITY_DESCRIPTOR bytes of the key's sk record (a copy). */
  securityDescriptor(): Uint8Array | undefined {
    const security = this.security;
    if (security === CELL_NONE) return undefined;
    return readSk(this.space, security).descriptor.slice();
  }

  /** Cell offset of the key's sk record, or undefined. */
  get securityOffset(): number | undefined {
    const security = this.security;
    return security === CELL_NONE ? undefined : security;
  }
}

/**
 * File position of a subkey list that is one leaf (li/lf/lh), after every check
 * `readSubkeyOffsets` makes of it; -1 for an index root, whose leaves are read apart.
 */
function leafPosition(space: CellSpace, list: number): number {
  const pos = space.cell(list, "subkey list");
  const length = space.dataLength(pos);
  const kind = listKindAt(space.bytes, pos);
  if (length >= 4 && kind !== undefined && SUBKEY_LIST.elements + space.u16(pos + SUBKEY_LIST.count) * ELEMENT_SIZE[kind] <= length) return kind === "ri" ? -1 : pos;
  // Not a well-formed list: the reader's own check says why (with its message and offset).
  return subkeyListKind(space, list) === "ri" ? -1 : pos;
}

/**
 * Binary search of a subkey list in Windows' upper-case order, as Windows looks keys up. A list
 * that is not sorted (yarp WrongOrderHive) can hide a name from it; the caller then scans.
 */
function findSorted(
  space: CellSpace,
  name: string,
  count: number,
  offsets: number[] | undefined,
  leafElements = 0,
  stride = 0,
): number {
  let low = 0;
  let high = count - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const offset = offsets ? offsets[mid] : space.u32(leafElements + mid * stride);
    // Compared where the name is stored: only the key found is decoded.
    const pos = nkPosition(space, offset);
    const compressed = (space.u16(pos + NK.flags) & KeyFlags.COMP_NAME) !== 0;
    const order = storedNameOrder(space.bytes, pos + NK.name, space.u16(pos + NK.nameLength), compressed, name, false);
    if (order === 0) return offset;
    if (order < 0) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/**
 * `compareNames(decoded, name)` for a name still in the hive bytes (Latin-1 when `compressed`,
 * else UTF-16LE; an odd last byte ignored, as decodeName does). With `equalOnly`, any nonzero
 * result just means "different" (names of other lengths are ruled out without a compare).
 */
export function storedNameOrder(bytes: Uint8Array, pos: number, byteLength: number, compressed: boolean, name: string, equalOnly: boolean): number {
  const units = compressed ? byteLength : byteLength >>> 1;
  if (equalOnly && units !== name.length) return 1;
  const compared = Math.min(units, name.length);
  for (let i = 0; i < compared; i++) {
    const stored = compressed ? bytes[pos + i] : bytes[pos + 2 * i] | (bytes[pos + 2 * i + 1] << 8);
    const wanted = name.charCodeAt(i);
    if (stored === wanted) continue;
    const difference = upcaseUnit(stored) - upcaseUnit(wanted);
    if (difference !== 0) return difference;
  }
  return units - name.length;
}

/** Results of `vkNameMatch`. */
export const NAME_DIFFERENT = 0;
export const NAME_IDENTICAL = 1;
export const NAME_EQUAL_IGNORING_CASE = 2;

/**
 * How the name of the checked vk at `pos` compares with `name` (as Windows compares), in the
 * hive bytes: different, identical, or equal up to case.
 */
export function vkNameMatch(space: CellSpace, pos: number, name: string): number {
  const flags = space.u16(pos + VK.flags);
  const compressed = (flags & ValueFlags.COMP_NAME) !== 0;
  const byteLength = space.u16(pos + VK.nameLength);
  const units = compressed ? byteLength : byteLength >>> 1;
  if (units !== name.length) return NAME_DIFFERENT;
  const bytes = space.bytes;
  const at = pos + VK.name;
  let match = NAME_IDENTICAL;
  for (let i = 0; i < units; i++) {
    const stored = compressed ? bytes[at + i] : bytes[at + 2 * i] | (bytes[at + 2 * i + 1] << 8);
    const wanted = name.charCodeAt(i);
    if (stored === wanted) continue;
    if (upcaseUnit(stored) !== upcaseUnit(wanted)) return NAME_DIFFERENT;
    match = NAME_EQUAL_IGNORING_CASE;
  }
  return match;
}

/**
 * The value whose checked vk (`vkPosition`) is at `pos` when its name is `name` (as Windows
 * compares), else undefined: what `key.value(name)` tests per entry. A stored name identical
 * to `name` is not decoded again; the value is the one `readVk` would give.
 */
export function valueNamedAt(space: CellSpace, offset: number, pos: number, name: string): RegValue | undefined {
  const match = vkNameMatch(space, pos, name);
  if (match === NAME_DIFFERENT) return undefined;
  if (match === NAME_EQUAL_IGNORING_CASE) return new RegValue(space, readVk(space, offset));
  const rawSize = space.u32(pos + VK.dataSize);
  const record: VkRecord = {
    offset,
    pos,
    name,
    dataSize: rawSize & 0x7fffffff,
    inline: (rawSize & VK_DATA_INLINE) !== 0,
    dataOffset: space.u32(pos + VK.dataOffset),
    type: space.u32(pos + VK.type),
    flags: space.u16(pos + VK.flags),
  };
  return new RegValue(space, record);
}
