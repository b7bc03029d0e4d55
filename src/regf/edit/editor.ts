/**
 * HiveEditor: edits a hive in place, the way Windows does. Obtain one with `editHive(hive)`
 * (a recovered copy of an opened hive) or `createHive(rootName)` (new-hive.ts); call the edit
 * methods with "\"-separated key paths relative to the root (case-insensitive); then
 * `serialize()` gives the bytes to write, and `toHive()` a reader over them.
 */
import { NotFoundError, RegfError, UsageError } from "../../errors.js";
import { BASE_BLOCK_SIZE, dateToFiletime, HBINS_START, writeBaseBlockChecksum } from "../base-block.js";
import { CELL_NONE } from "../cells/cell.js";
import { KeyFlags, NK, NK_FIXED_SIZE } from "../cells/nk.js";
import { VK, VK_FIXED_SIZE, ValueFlags } from "../cells/vk.js";
import { checkHive, type CheckOptions } from "../check/check-hive.js";
import { Hive } from "../hive.js";
import { namesEqual, upcaseName } from "../names.js";
import { CellAllocator } from "./allocator.js";
import { addSecurityRef, releaseSecurity } from "./security.js";
import { findSubkey, insertSubkey, listCells, listHeadroom, removeSubkey, type LeafKind } from "./subkey-index.js";
import { freeData, storeData } from "./value-data.js";

/** Windows limits: key names 255 characters, value names 16383. */
export const MAX_KEY_NAME = 255;
export const MAX_VALUE_NAME = 16383;
/** Deepest key path the editor creates (levels below the root). */
export const MAX_KEY_DEPTH = 512;
const MAX_DEPTH = MAX_KEY_DEPTH;
const NAME_LENGTH_MASK = 0xffff;
/** Keys with at least this many values get a name index while values are set on them. */
const VALUE_INDEX_MIN = 16;

export interface EditorOptions {
  /** Clock for last-written timestamps (tests pin it). */
  now?: () => Date;
}

export interface SerializeOptions {
  /** Sequence numbers written are above this too (e.g. the highest seen in logs beside the hive). */
  minSequence?: number;
  /**
   * Return the editor's own buffer with the base block updated instead of a copy (the caller
   * writes it out and does not use the bytes after a further edit).
   */
  inPlace?: boolean;
}

export interface EditHiveOptions {
  /**
   * Check only the keys the edit will touch (see CheckOptions.only) instead of the whole hive
   * before editing. Default: the whole hive.
   */
  checkOnly?: CheckOptions["only"];
  /** Edit the hive's own bytes instead of a copy (the Hive must not be read afterwards). */
  adopt?: boolean;
}

/** Attributes a copied key keeps (compact, import of raw keys). */
export interface KeyAttributes {
  flags?: number;
  accessBits?: number;
  lastWritten?: bigint;
  /** Upper 16 bits of the largest-subkey-name-length field (virtualization/user flags). */
  nameLengthHighBits?: number;
  security?: number;
}

interface EncodedName {
  bytes: Uint8Array;
  compressed: boolean;
}

/** Latin-1 ("compressed") when every unit fits in a byte, as Windows stores it; else UTF-16LE. */
export function encodeName(name: string): EncodedName {
  let compressed = true;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0xff) compressed = false;
  const bytes = new Uint8Array(compressed ? name.length : name.length * 2);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (compressed) bytes[i] = c;
    else {
      bytes[2 * i] = c & 0xff;
      bytes[2 * i + 1] = c >>> 8;
    }
  }
  return { bytes, compressed };
}

/** Whether `name` is stored compressed (every unit fits in a byte). */
function fitsLatin1(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Writes `name` as encodeName would, straight into `bytes` at `pos`; returns its byte length. */
function writeName(bytes: Uint8Array, pos: number, name: string, compressed: boolean): number {
  if (compressed) {
    for (let i = 0; i < name.length; i++) bytes[pos + i] = name.charCodeAt(i);
    return name.length;
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    bytes[pos + 2 * i] = c & 0xff;
    bytes[pos + 2 * i + 1] = c >>> 8;
  }
  return 2 * name.length;
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) & 0xff;
    out[2 * i + 1] = text.charCodeAt(i) >>> 8;
  }
  return out;
}

function splitPath(path: string): string[] {
  return path.split("\\").filter((p) => p !== "");
}

export class HiveEditor {
  readonly cells: CellAllocator;
  private baseBlock: Uint8Array;
  private rootOffset: number;
  private readonly now: () => Date;
  /** The clock in milliseconds (Date.now itself unless a test pins the clock). */
  private readonly nowMs: () => number;
  private readonly names = new Map<number, string>();
  private readonly paths = new Map<string, number>();
  private readonly startSequence: number;
  private dirty = false;
  /** Key nodes added so far (createKey with missing parents adds several). */
  keysAdded = 0;

  constructor(bytes: Uint8Array, dataSize: number, minorVersion: number, rootOffset: number, sequence: number, options: EditorOptions = {}) {
    this.cells = new CellAllocator(bytes, dataSize, minorVersion);
    this.baseBlock = bytes.subarray(0, BASE_BLOCK_SIZE);
    this.rootOffset = rootOffset;
    this.startSequence = sequence;
    this.now = options.now ?? (() => new Date());
    this.nowMs = options.now ? () => this.now().getTime() : Date.now;
    this.cells.binTimestamp = this.filetime();
  }

  get minorVersion(): number {
    return this.cells.minorVersion;
  }

  /** Cell offset of the root key node. */
  get root(): number {
    return this.rootOffset;
  }

  /** Points the editor at a new root key node (createHive). */
  setRoot(offset: number): void {
    this.rootOffset = offset;
    this.dirty = true;
  }

  /** True once any edit was made. */
  get modified(): boolean {
    return this.dirty;
  }

  private lastMs = Number.NaN;
  private lastFiletime = 0n;
  /** Now as a FILETIME; the BigInt conversion is done once per millisecond (a bulk import touches keys ~10^5 times). */
  private filetime(): bigint {
    const ms = this.nowMs();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastFiletime = dateToFiletime(new Date(ms));
    }
    return this.lastFiletime;
  }

  // --- nk field access -------------------------------------------------------------------
  private nk(offset: number, field: number): number {
    return this.cells.view.getUint32(this.cells.pos(offset) + field, true);
  }
  private setNk(offset: number, field: number, value: number): void {
    this.cells.view.setUint32(this.cells.pos(offset) + field, value >>> 0, true);
  }
  private touch(offset: number): void {
    this.cells.view.setBigUint64(this.cells.pos(offset) + NK.lastWritten, this.filetime(), true);
  }
  private raiseMax(offset: number, field: number, length: number, keepHighBits = false): void {
    const cur = this.nk(offset, field);
    const low = keepHighBits ? cur & NAME_LENGTH_MASK : cur;
    if (length > low) this.setNk(offset, field, keepHighBits ? ((cur & ~NAME_LENGTH_MASK) | Math.min(length, NAME_LENGTH_MASK)) >>> 0 : length);
  }

  /** Name of the key node at `offset` (cached). */
  readonly nameOf = (offset: number): string => {
    let name = this.names.get(offset);
    if (name === undefined) {
      const space = this.cells.space;
      name = space.cell(offset, "key node") >= 0 ? readName(this.cells, offset) : "";
      this.names.set(offset, name);
    }
    return name;
  };

  private defaultLeafKind(): LeafKind {
    return this.minorVersion >= 5 ? "lh" : this.minorVersion >= 3 ? "lf" : "li";
  }

  // --- lookup ----------------------------------------------------------------------------
  /** Key node offset of `path`, or undefined. */
  find(path: string): number | undefined {
    const parts = splitPath(path);
    const cacheKey = upcaseName(parts.join("\\"));
    const cached = this.paths.get(cacheKey);
    if (cached !== undefined) return cached;
    let nk = this.rootOffset;
    for (const part of parts) {
      if (this.nk(nk, NK.subkeyCount) === 0) return undefined;
      const child = findSubkey(this.cells, this.nk(nk, NK.subkeyList), part, this.nameOf);
      if (child === undefined) return undefined;
      nk = child;
    }
    this.paths.set(cacheKey, nk);
    return nk;
  }

  private require(path: string): number {
    const nk = this.find(path);
    if (nk === undefined) throw new NotFoundError("key-not-found", `no key ${JSON.stringify(path)} in the hive`, { path });
    return nk;
  }

  keyExists(path: string): boolean {
    return this.find(path) !== undefined;
  }

  // --- keys ------------------------------------------------------------------------------
  /** Creates the key and any missing parents; returns its key node offset. */
  createKey(path: string): number {
    const parts = splitPath(path);
    if (parts.length > MAX_DEPTH) throw new UsageError("key-too-deep", `key path has ${parts.length} levels (at most ${MAX_DEPTH})`, { path });
    const cacheKey = upcaseName(parts.join("\\"));
    const cached = this.paths.get(cacheKey);
    if (cached !== undefined) return cached;
    // .reg files list a key right after its parent: start from the parent when it is known.
    let nk = this.rootOffset;
    let first = 0;
    if (parts.length > 1) {
      const parent = this.paths.get(upcaseName(parts.slice(0, -1).join("\\")));
      if (parent !== undefined) {
        nk = parent;
        first = parts.length - 1;
      }
    }
    for (let i = first; i < parts.length; i++) {
      const existing = this.nk(nk, NK.subkeyCount) === 0 ? undefined : findSubkey(this.cells, this.nk(nk, NK.subkeyList), parts[i], this.nameOf);
      nk = existing ?? this.addSubkey(nk, parts[i]);
    }
    this.paths.set(cacheKey, nk);
    return nk;
  }

  /**
   * The subkey `name` of the key node `parent`, created when missing; returns its key node
   * offset. For callers that resolve paths themselves (bulk import: a key follows its parent).
   */
  createSubkeyAt(parent: number, name: string): number {
    const existing = this.nk(parent, NK.subkeyCount) === 0 ? undefined : findSubkey(this.cells, this.nk(parent, NK.subkeyList), name, this.nameOf);
    return existing ?? this.addSubkey(parent, name);
  }

  /**
   * Adds a subkey `name` under the key node `parent`; it shares the parent's security record
   * unless `attrs.security` says otherwise. Low level: the caller checks that it is new.
   */
  addSubkey(parent: number, name: string, attrs: KeyAttributes = {}): number {
    if (name.length === 0 || name.length > MAX_KEY_NAME || name.includes("\\")) {
      throw new UsageError("bad-key-name", `invalid key name ${JSON.stringify(name)} (1-${MAX_KEY_NAME} characters, no backslash)`);
    }
    this.dirty = true;
    this.keysAdded++;
    const compressed = fitsLatin1(name);
    const nameLength = compressed ? name.length : 2 * name.length;
    const a = this.cells;
    const nk = a.alloc(NK_FIXED_SIZE + nameLength);
    const p = a.pos(nk);
    a.bytes[p] = 0x6e; // "n"
    a.bytes[p + 1] = 0x6b; // "k"
    const flags = ((attrs.flags ?? 0) & ~KeyFlags.COMP_NAME) | (compressed ? KeyFlags.COMP_NAME : 0);
    a.view.setUint16(p + NK.flags, flags, true);
    a.view.setBigUint64(p + NK.lastWritten, attrs.lastWritten ?? this.filetime(), true);
    a.view.setUint32(p + NK.accessBits, attrs.accessBits ?? 0, true);
    a.view.setUint32(p + NK.parent, parent, true);
    a.view.setUint32(p + NK.subkeyList, CELL_NONE, true);
    a.view.setUint32(p + NK.volatileSubkeyList, CELL_NONE, true);
    a.view.setUint32(p + NK.valueList, CELL_NONE, true);
    a.view.setUint32(p + NK.className, CELL_NONE, true);
    a.view.setUint32(p + NK.maxSubkeyNameLength, ((attrs.nameLengthHighBits ?? 0) << 16) >>> 0, true);
    a.view.setUint16(p + NK.nameLength, nameLength, true);
    writeName(a.bytes, p + NK.name, name, compressed);
    const security = attrs.security ?? this.nk(parent, NK.security);
    a.view.setUint32(p + NK.security, security, true);
    if (security !== CELL_NONE) addSecurityRef(a, security);
    // Cached as read back from the cell: `name` may be a slice of a large text (a .reg window)
    // that the cache would otherwise keep in memory for the life of the editor.
    this.names.set(nk, readName(a, nk));

    const list = this.nk(parent, NK.subkeyList);
    const kind = list === CELL_NONE ? this.defaultLeafKind() : undefined;
    const newList = insertSubkey(a, list, nk, name, this.nameOf, kind ?? this.existingLeafKind(list));
    this.setNk(parent, NK.subkeyList, newList);
    this.setNk(parent, NK.subkeyCount, this.nk(parent, NK.subkeyCount) + 1);
    this.raiseMax(parent, NK.maxSubkeyNameLength, name.length * 2, true);
    this.touch(parent);
    return nk;
  }

  private existingLeafKind(list: number): LeafKind {
    const cells = listCells(this.cells, list);
    const leaf = cells.length > 1 ? cells[1] : cells[0];
    const p = this.cells.pos(leaf);
    const kind = String.fromCharCode(this.cells.bytes[p], this.cells.bytes[p + 1]);
    return kind === "li" || kind === "lf" ? kind : "lh";
  }

  /** Deletes a key and everything below it. The root cannot be deleted. */
  deleteKey(path: string): void {
    const parts = splitPath(path);
    if (parts.length === 0) throw new UsageError("cannot-delete-root", "the root key of a hive cannot be deleted");
    const parentPath = parts.slice(0, -1).join("\\");
    const parent = this.require(parentPath);
    this.require(path);
    this.dirty = true;
    const removed = removeSubkey(this.cells, this.nk(parent, NK.subkeyList), parts[parts.length - 1], this.nameOf);
    this.setNk(parent, NK.subkeyList, removed.list);
    this.setNk(parent, NK.subkeyCount, this.nk(parent, NK.subkeyCount) - 1);
    this.touch(parent);
    this.freeTree(removed.nk);
    this.paths.clear();
  }

  /** Frees a detached key node and everything below it (iterative, cycle-checked). */
  private freeTree(top: number): void {
    const seen = new Set<number>();
    const stack: { nk: number; expanded: boolean }[] = [{ nk: top, expanded: false }];
    while (stack.length > 0) {
      const item = stack[stack.length - 1];
      if (!item.expanded) {
        item.expanded = true;
        if (seen.has(item.nk)) throw new RegfError("key-cycle", `key node 0x${item.nk.toString(16)} is reachable twice: refusing to delete`);
        seen.add(item.nk);
        if (stack.length > MAX_DEPTH) throw new RegfError("key-too-deep", `keys nest deeper than ${MAX_DEPTH} levels`);
        for (const child of this.childOffsets(item.nk)) stack.push({ nk: child, expanded: false });
        continue;
      }
      stack.pop();
      this.freeKeyNode(item.nk);
    }
  }

  /** Key node offsets of a key's subkeys, in order. */
  childOffsets(nk: number): number[] {
    if (this.nk(nk, NK.subkeyCount) === 0) return [];
    const out: number[] = [];
    for (const cell of listCells(this.cells, this.nk(nk, NK.subkeyList))) {
      const p = this.cells.pos(cell);
      const kind = String.fromCharCode(this.cells.bytes[p], this.cells.bytes[p + 1]);
      if (kind === "ri") continue;
      const n = this.cells.view.getUint16(p + 2, true);
      const step = kind === "li" ? 4 : 8;
      for (let i = 0; i < n; i++) out.push(this.cells.view.getUint32(p + 4 + i * step, true));
    }
    return out;
  }

  private freeKeyNode(nk: number): void {
    const a = this.cells;
    if (this.valueIndex?.nk === nk) this.valueIndex = undefined;
    for (const vk of this.valueOffsets(nk)) this.freeValue(vk);
    const valueList = this.nk(nk, NK.valueList);
    if (this.nk(nk, NK.valueCount) > 0 && valueList !== CELL_NONE) a.free(valueList);
    const className = this.nk(nk, NK.className);
    if (className !== CELL_NONE && (this.nk(nk, NK.classNameLength) & 0xffff) > 0) a.free(className);
    if (this.nk(nk, NK.subkeyCount) > 0) for (const cell of listCells(a, this.nk(nk, NK.subkeyList))) a.free(cell);
    const sk = this.nk(nk, NK.security);
    if (sk !== CELL_NONE) releaseSecurity(a, sk);
    a.free(nk);
    this.names.delete(nk);
  }

  /** Renames a key (a case-only change is allowed); its sorted place in the parent changes. */
  renameKey(path: string, newName: string): void {
    if (newName.length === 0 || newName.length > MAX_KEY_NAME || newName.includes("\\")) {
      throw new UsageError("bad-key-name", `invalid key name ${JSON.stringify(newName)}`);
    }
    const parts = splitPath(path);
    let nk = this.require(path);
    const oldName = this.nameOf(nk);
    const parent = parts.length === 0 ? undefined : this.require(parts.slice(0, -1).join("\\"));
    if (parent !== undefined && !namesEqual(oldName, newName)) {
      if (findSubkey(this.cells, this.nk(parent, NK.subkeyList), newName, this.nameOf) !== undefined) {
        throw new UsageError("duplicate-key", `a key named ${JSON.stringify(newName)} already exists beside ${JSON.stringify(path)}`, { path });
      }
    }
    this.dirty = true;
    const a = this.cells;
    if (parent !== undefined) {
      const removed = removeSubkey(a, this.nk(parent, NK.subkeyList), oldName, this.nameOf);
      this.setNk(parent, NK.subkeyList, removed.list);
    }
    const enc = encodeName(newName);
    const moved = a.realloc(nk, NK_FIXED_SIZE + enc.bytes.length);
    this.valueIndex = undefined;
    this.names.delete(nk);
    if (moved !== nk) {
      for (const child of this.childOffsets(moved)) this.setNk(child, NK.parent, moved);
      if (parent === undefined) this.rootOffset = moved;
      nk = moved;
    }
    const p = a.pos(nk);
    const flags = (a.view.getUint16(p + NK.flags, true) & ~KeyFlags.COMP_NAME) | (enc.compressed ? KeyFlags.COMP_NAME : 0);
    a.view.setUint16(p + NK.flags, flags, true);
    a.view.setUint16(p + NK.nameLength, enc.bytes.length, true);
    a.bytes.fill(0, p + NK.name, p + a.capacity(nk));
    a.bytes.set(enc.bytes, p + NK.name);
    this.names.set(nk, newName);
    this.touch(nk);
    if (parent !== undefined) {
      this.setNk(parent, NK.subkeyList, insertSubkey(a, this.nk(parent, NK.subkeyList), nk, newName, this.nameOf, this.defaultLeafKind()));
      this.raiseMax(parent, NK.maxSubkeyNameLength, newName.length * 2, true);
      this.touch(parent);
    }
    this.paths.clear();
  }

  /** Sets (or with undefined removes) a key's class name. */
  setClassName(path: string, className: string | undefined): void {
    this.setClassNameAt(this.require(path), className);
  }

  /** setClassName on a key node offset. */
  setClassNameAt(nk: number, className: string | undefined): void {
    this.dirty = true;
    const a = this.cells;
    const old = this.nk(nk, NK.className);
    if (old !== CELL_NONE && (this.nk(nk, NK.classNameLength) & 0xffff) > 0) a.free(old);
    const p = a.pos(nk);
    if (className === undefined || className.length === 0) {
      a.view.setUint32(p + NK.className, CELL_NONE, true);
      a.view.setUint16(p + NK.classNameLength, 0, true);
    } else {
      const bytes = utf16le(className);
      if (bytes.length > 0xffff) throw new UsageError("class-name-too-long", `class name of ${className.length} characters is too long`);
      const cell = a.alloc(bytes.length);
      a.bytes.set(bytes, a.pos(cell));
      a.view.setUint32(a.pos(nk) + NK.className, cell, true);
      a.view.setUint16(a.pos(nk) + NK.classNameLength, bytes.length, true);
      if (nk !== this.rootOffset) this.raiseMax(this.nk(nk, NK.parent), NK.maxSubkeyClassLength, bytes.length);
    }
    this.touch(nk);
  }

  /** Sets a key's last-written timestamp (FILETIME), e.g. to keep the original's when copying. */
  setLastWritten(nk: number, filetime: bigint): void {
    this.cells.view.setBigUint64(this.cells.pos(nk) + NK.lastWritten, filetime, true);
  }

  // --- values ----------------------------------------------------------------------------
  private valueOffsets(nk: number): number[] {
    const count = this.nk(nk, NK.valueCount);
    const list = this.nk(nk, NK.valueList);
    if (count === 0 || list === CELL_NONE) return [];
    const p = this.cells.pos(list);
    if (count * 4 > this.cells.capacity(list)) throw new RegfError("bad-value-list", `value list at 0x${list.toString(16)} is shorter than its ${count} entries`);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.cells.view.getUint32(p + 4 * i, true);
    return out;
  }

  /**
   * Upper-cased value names -> index in the value list, for the last key that got many values
   * (a bulk import sets them one after another: a scan per value would be quadratic).
   * Forgotten by anything that removes values or key nodes.
   */
  private valueIndex: { nk: number; byName: Map<string, number> } | undefined;

  private findValue(nk: number, name: string): { index: number; vk: number } | undefined {
    const indexed = this.valueIndex?.nk === nk ? this.valueIndex.byName : undefined;
    if (indexed) {
      const index = indexed.get(upcaseName(name));
      return index === undefined ? undefined : { index, vk: this.cells.view.getUint32(this.cells.pos(this.nk(nk, NK.valueList)) + 4 * index, true) };
    }
    const count = this.nk(nk, NK.valueCount);
    if (count === 0) return undefined;
    const offsets = this.valueOffsets(nk);
    if (offsets.length >= VALUE_INDEX_MIN) {
      const byName = new Map<string, number>();
      for (let i = 0; i < offsets.length; i++) {
        const upper = upcaseName(readValueName(this.cells, offsets[i]));
        if (!byName.has(upper)) byName.set(upper, i);
      }
      this.valueIndex = { nk, byName };
      return this.findValue(nk, name);
    }
    for (let i = 0; i < offsets.length; i++) {
      // A stored name of another length (1 byte per character if compressed, else 2) cannot match.
      const stored = this.cells.view.getUint16(this.cells.pos(offsets[i]) + VK.nameLength, true);
      if (stored !== name.length && stored !== 2 * name.length) continue;
      if (namesEqual(readValueName(this.cells, offsets[i]), name)) return { index: i, vk: offsets[i] };
    }
    return undefined;
  }

  private freeValue(vk: number): void {
    const p = this.cells.pos(vk);
    freeData(this.cells, this.cells.view.getUint32(p + VK.dataSize, true), this.cells.view.getUint32(p + VK.dataOffset, true));
    this.cells.free(vk);
  }

  /** Sets a value ("" = the default value) of any type number to exactly `data`. */
  setValue(path: string, name: string, type: number, data: Uint8Array): void {
    if (name.length > MAX_VALUE_NAME) throw new UsageError("bad-value-name", `value name of ${name.length} characters is too long`);
    if (!Number.isInteger(type) || type < 0 || type > 0xffffffff) throw new UsageError("bad-value-type", `invalid value type ${type}`);
    this.setValueAt(this.require(path), name, type, data);
  }

  /** setValue on a key node offset. */
  setValueAt(nk: number, name: string, type: number, data: Uint8Array): void {
    this.dirty = true;
    const a = this.cells;
    const existing = this.findValue(nk, name);
    let vk: number;
    if (existing) {
      vk = existing.vk;
      const p = a.pos(vk);
      freeData(a, a.view.getUint32(p + VK.dataSize, true), a.view.getUint32(p + VK.dataOffset, true));
    } else {
      const compressed = fitsLatin1(name);
      const nameLength = compressed ? name.length : 2 * name.length;
      vk = a.alloc(VK_FIXED_SIZE + nameLength);
      const p = a.pos(vk);
      a.bytes[p] = 0x76; // "v"
      a.bytes[p + 1] = 0x6b; // "k"
      a.view.setUint16(p + VK.nameLength, nameLength, true);
      a.view.setUint16(p + VK.flags, compressed && name.length > 0 ? ValueFlags.COMP_NAME : 0, true);
      writeName(a.bytes, p + VK.name, name, compressed);
      const count = this.nk(nk, NK.valueCount);
      const oldList = this.nk(nk, NK.valueList);
      const list = count === 0 || oldList === CELL_NONE ? a.alloc(4) : a.realloc(oldList, (count + 1) * 4, listHeadroom(count, 4));
      a.view.setUint32(a.pos(list) + 4 * count, vk, true);
      if (this.valueIndex?.nk === nk) this.valueIndex.byName.set(upcaseName(name), count);
      this.setNk(nk, NK.valueList, list);
      this.setNk(nk, NK.valueCount, count + 1);
      this.raiseMax(nk, NK.maxValueNameLength, name.length * 2);
    }
    const stored = storeData(a, data);
    const p = a.pos(vk);
    a.view.setUint32(p + VK.dataSize, stored.sizeField, true);
    a.view.setUint32(p + VK.dataOffset, stored.offsetField, true);
    a.view.setUint32(p + VK.type, type, true);
    this.raiseMax(nk, NK.maxValueDataSize, data.length);
    this.touch(nk);
  }

  /** Deletes a value; false when there was none. */
  deleteValue(path: string, name: string): boolean {
    const nk = this.require(path);
    const found = this.findValue(nk, name);
    if (!found) return false;
    this.dirty = true;
    this.valueIndex = undefined;
    const a = this.cells;
    this.freeValue(found.vk);
    const count = this.nk(nk, NK.valueCount);
    const list = this.nk(nk, NK.valueList);
    if (count === 1) {
      a.free(list);
      this.setNk(nk, NK.valueList, CELL_NONE);
    } else {
      const base = a.pos(list);
      a.bytes.copyWithin(base + 4 * found.index, base + 4 * (found.index + 1), base + 4 * count);
      a.view.setUint32(base + 4 * (count - 1), 0, true);
    }
    this.setNk(nk, NK.valueCount, count - 1);
    this.touch(nk);
    return true;
  }

  // --- output ----------------------------------------------------------------------------
  /**
   * The hive file: base block updated (both sequence numbers equal and above every earlier
   * one, root offset, hive bins size, timestamp, checksum) followed by the hive bins.
   */
  serialize(options: SerializeOptions = {}): Uint8Array {
    const end = HBINS_START + this.cells.dataSize;
    const out = options.inPlace ? this.cells.bytes.subarray(0, end) : this.cells.bytes.slice(0, end);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const sequence = (Math.max(this.startSequence, options.minSequence ?? 0) + 1) >>> 0;
    view.setUint32(4, sequence, true);
    view.setUint32(8, sequence, true);
    view.setBigUint64(12, this.filetime(), true);
    view.setUint32(36, this.rootOffset, true);
    view.setUint32(40, this.cells.dataSize, true);
    writeBaseBlockChecksum(out);
    return out;
  }

  /** A reader over the serialized bytes. */
  toHive(options: SerializeOptions = {}): Hive {
    return new Hive(this.serialize(options));
  }
}

function readName(a: CellAllocator, nk: number): string {
  const p = a.pos(nk);
  const length = a.view.getUint16(p + NK.nameLength, true);
  const compressed = (a.view.getUint16(p + NK.flags, true) & KeyFlags.COMP_NAME) !== 0;
  if (NK_FIXED_SIZE + length > a.capacity(nk)) throw new RegfError("bad-key-node", `key node name runs past its cell`, { offset: p });
  return decode(a.bytes, p + NK.name, length, compressed);
}

function readValueName(a: CellAllocator, vk: number): string {
  const p = a.pos(vk);
  const length = a.view.getUint16(p + VK.nameLength, true);
  const compressed = (a.view.getUint16(p + VK.flags, true) & ValueFlags.COMP_NAME) !== 0;
  if (VK_FIXED_SIZE + length > a.capacity(vk)) throw new RegfError("bad-value", `value name runs past its cell`, { offset: p });
  return decode(a.bytes, p + VK.name, length, compressed);
}

function decode(bytes: Uint8Array, pos: number, length: number, compressed: boolean): string {
  let s = "";
  if (compressed) for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[pos + i]);
  else for (let i = 0; i + 1 < length; i += 2) s += String.fromCharCode(bytes[pos + i] | (bytes[pos + i + 1] << 8));
  return s;
}

/**
 * An editor over a copy of an opened hive (already recovered from its logs by openHive). A
 * hive that is dirty and was not recovered is refused: writing it would make the changes that
 * only exist in its logs permanently lost. So is one that fails the structural check.
 */
export function editHive(hive: Hive, options: EditorOptions = {}, open: EditHiveOptions = {}): HiveEditor {
  const r = hive.recovery;
  if (r?.dirty && !r.recovered) {
    throw new RegfError("unrecoverable-dirty-hive", `the hive is dirty (${r.dirtyReasons.join("; ")}) and its logs could not recover it: refusing to edit`, {
      path: hive.source,
    });
  }
  if (hive.dataSizeSource !== "base-block") {
    throw new RegfError("unsound-base-block", `the hive's base block is unsound (${hive.warnings.join("; ")}): refusing to edit`, { path: hive.source });
  }
  // Only a structurally sound hive is edited: the editor trusts every reference it follows.
  const check = checkHive(hive.bytes.subarray(0, HBINS_START + hive.dataSize), open.checkOnly ? { only: open.checkOnly } : {});
  const fatal = check.errors.filter((e) => e.code !== "dirty");
  if (fatal.length > 0) {
    const first = fatal[0];
    throw new RegfError("unsound-hive", `the hive has ${fatal.length} structural errors, refusing to edit it (first: ${first.code}: ${first.message})`, {
      path: hive.source,
      ...(first.offset === undefined ? {} : { offset: first.offset }),
    });
  }
  const base = hive.baseBlock;
  let bytes = hive.bytes.subarray(0, HBINS_START + hive.dataSize);
  if (!open.adopt) bytes = bytes.slice();
  const sequence = Math.max(base.primarySequence, base.secondarySequence, r?.lastAppliedSequence ?? 0);
  return new HiveEditor(bytes, hive.dataSize, base.minorVersion, base.rootCellOffset, sequence, options);
}
