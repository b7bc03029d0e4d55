/**
 * HiveEditor: edits a hive in place, the way Windows does. Obtain one with `editHive(hive)`
 * (admission.ts: a recovered, checked copy of an opened hive) or `createHive(rootName)` (new-hive.ts); call the edit
 * methods with "\"-separated key paths relative to the root (case-insensitive); then
 * `serialize()` gives the bytes to write, and `toHive()` a reader over them.
 */
import { NotFoundError, RegfError, UsageError } from "../../errors.js";
import { BaseBlockField, dateToFiletime, HBINS_START, writeBaseBlockChecksum } from "../base-block.js";
import { CELL_NONE } from "../cells/cell.js";
import { KeyFlags, NK, NK_FIXED_SIZE } from "../cells/nk.js";
import { Hive } from "../hive.js";
import { namesEqual, upcaseName } from "../names.js";
import { encodeUtf16le } from "../../util/byte-reader.js";
import { CellAllocator } from "./allocator.js";
import { KeyNodeFields } from "./key-node-fields.js";
import { KeyValues } from "./key-values.js";
import { addSecurityRef, releaseSecurity } from "./security.js";
import { encodeName, fitsLatin1, readKeyName, writeName } from "./stored-names.js";
import { findSubkey, insertSubkey, removeSubkey, type LeafKind } from "./subkey-index.js";
import { listKindAt, readSubkeyOffsets, subkeyListCells } from "../cells/subkey-list.js";

/** Windows limits: key names 255 characters, value names 16383. */
export const MAX_KEY_NAME = 255;
export const MAX_VALUE_NAME = 16383;
/** Deepest key path the editor creates (levels below the root). */
export const MAX_KEY_DEPTH = 512;
const MAX_DEPTH = MAX_KEY_DEPTH;

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

/** Attributes a copied key keeps (compact, import of raw keys). */
export interface KeyAttributes {
  flags?: number;
  accessBits?: number;
  lastWritten?: bigint;
  /** Upper 16 bits of the largest-subkey-name-length field (virtualization/user flags). */
  nameLengthHighBits?: number;
  security?: number;
}

function splitPath(path: string): string[] {
  return path.split("\\").filter((part) => part !== "");
}

export class HiveEditor {
  readonly cells: CellAllocator;
  private readonly fields: KeyNodeFields;
  private readonly values: KeyValues;
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
    this.rootOffset = rootOffset;
    this.startSequence = sequence;
    this.now = options.now ?? (() => new Date());
    this.nowMs = options.now ? () => this.now().getTime() : Date.now;
    this.cells.binTimestamp = this.filetime();
    this.fields = new KeyNodeFields(this.cells, () => this.filetime());
    this.values = new KeyValues(this.cells, this.fields);
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

  /** Name of the key node at `offset` (cached). */
  readonly nameOf = (offset: number): string => {
    let name = this.names.get(offset);
    if (name === undefined) {
      const space = this.cells.space;
      name = space.cell(offset, "key node") >= 0 ? readKeyName(this.cells, offset) : "";
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
      if (this.fields.get(nk, NK.subkeyCount) === 0) return undefined;
      const child = findSubkey(this.cells, this.fields.get(nk, NK.subkeyList), part, this.nameOf);
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
      const existing = this.fields.get(nk, NK.subkeyCount) === 0 ? undefined : findSubkey(this.cells, this.fields.get(nk, NK.subkeyList), parts[i], this.nameOf);
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
    const existing = this.fields.get(parent, NK.subkeyCount) === 0 ? undefined : findSubkey(this.cells, this.fields.get(parent, NK.subkeyList), name, this.nameOf);
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
    const cells = this.cells;
    const nk = cells.alloc(NK_FIXED_SIZE + nameLength);
    const pos = cells.pos(nk);
    cells.bytes[pos] = 0x6e; // "n"
    cells.bytes[pos + 1] = 0x6b; // "k"
    const flags = ((attrs.flags ?? 0) & ~KeyFlags.COMP_NAME) | (compressed ? KeyFlags.COMP_NAME : 0);
    cells.view.setUint16(pos + NK.flags, flags, true);
    cells.view.setBigUint64(pos + NK.lastWritten, attrs.lastWritten ?? this.filetime(), true);
    cells.view.setUint32(pos + NK.accessBits, attrs.accessBits ?? 0, true);
    cells.view.setUint32(pos + NK.parent, parent, true);
    cells.view.setUint32(pos + NK.subkeyList, CELL_NONE, true);
    cells.view.setUint32(pos + NK.volatileSubkeyList, CELL_NONE, true);
    cells.view.setUint32(pos + NK.valueList, CELL_NONE, true);
    cells.view.setUint32(pos + NK.className, CELL_NONE, true);
    cells.view.setUint32(pos + NK.maxSubkeyNameLength, ((attrs.nameLengthHighBits ?? 0) << 16) >>> 0, true);
    cells.view.setUint16(pos + NK.nameLength, nameLength, true);
    writeName(cells.bytes, pos + NK.name, name, compressed);
    const security = attrs.security ?? this.fields.get(parent, NK.security);
    cells.view.setUint32(pos + NK.security, security, true);
    if (security !== CELL_NONE) addSecurityRef(cells, security);
    this.names.set(nk, name);

    const list = this.fields.get(parent, NK.subkeyList);
    const kind = list === CELL_NONE ? this.defaultLeafKind() : undefined;
    const newList = insertSubkey(cells, list, nk, name, this.nameOf, kind ?? this.existingLeafKind(list));
    this.fields.set(parent, NK.subkeyList, newList);
    this.fields.set(parent, NK.subkeyCount, this.fields.get(parent, NK.subkeyCount) + 1);
    this.fields.raiseMax(parent, NK.maxSubkeyNameLength, name.length * 2, true);
    this.fields.touch(parent);
    return nk;
  }

  private existingLeafKind(list: number): LeafKind {
    const cells = subkeyListCells(this.cells.space, list);
    const leaf = cells.length > 1 ? cells[1] : cells[0];
    const kind = listKindAt(this.cells.bytes, this.cells.pos(leaf));
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
    const removed = removeSubkey(this.cells, this.fields.get(parent, NK.subkeyList), parts[parts.length - 1], this.nameOf);
    this.fields.set(parent, NK.subkeyList, removed.list);
    this.fields.set(parent, NK.subkeyCount, this.fields.get(parent, NK.subkeyCount) - 1);
    this.fields.touch(parent);
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
    if (this.fields.get(nk, NK.subkeyCount) === 0) return [];
    return readSubkeyOffsets(this.cells.space, this.fields.get(nk, NK.subkeyList));
  }

  private freeKeyNode(nk: number): void {
    const cells = this.cells;
    this.values.freeAll(nk);
    const className = this.fields.get(nk, NK.className);
    if (className !== CELL_NONE && (this.fields.get(nk, NK.classNameLength) & 0xffff) > 0) cells.free(className);
    if (this.fields.get(nk, NK.subkeyCount) > 0) for (const cell of subkeyListCells(cells.space, this.fields.get(nk, NK.subkeyList))) cells.free(cell);
    const sk = this.fields.get(nk, NK.security);
    if (sk !== CELL_NONE) releaseSecurity(cells, sk);
    cells.free(nk);
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
      if (findSubkey(this.cells, this.fields.get(parent, NK.subkeyList), newName, this.nameOf) !== undefined) {
        throw new UsageError("duplicate-key", `a key named ${JSON.stringify(newName)} already exists beside ${JSON.stringify(path)}`, { path });
      }
    }
    this.dirty = true;
    const cells = this.cells;
    if (parent !== undefined) {
      const removed = removeSubkey(cells, this.fields.get(parent, NK.subkeyList), oldName, this.nameOf);
      this.fields.set(parent, NK.subkeyList, removed.list);
    }
    const enc = encodeName(newName);
    const moved = cells.realloc(nk, NK_FIXED_SIZE + enc.bytes.length);
    this.values.forget();
    this.names.delete(nk);
    if (moved !== nk) {
      for (const child of this.childOffsets(moved)) this.fields.set(child, NK.parent, moved);
      if (parent === undefined) this.rootOffset = moved;
      nk = moved;
    }
    const pos = cells.pos(nk);
    const flags = (cells.view.getUint16(pos + NK.flags, true) & ~KeyFlags.COMP_NAME) | (enc.compressed ? KeyFlags.COMP_NAME : 0);
    cells.view.setUint16(pos + NK.flags, flags, true);
    cells.view.setUint16(pos + NK.nameLength, enc.bytes.length, true);
    cells.bytes.fill(0, pos + NK.name, pos + cells.capacity(nk));
    cells.bytes.set(enc.bytes, pos + NK.name);
    this.names.set(nk, newName);
    this.fields.touch(nk);
    if (parent !== undefined) {
      this.fields.set(parent, NK.subkeyList, insertSubkey(cells, this.fields.get(parent, NK.subkeyList), nk, newName, this.nameOf, this.defaultLeafKind()));
      this.fields.raiseMax(parent, NK.maxSubkeyNameLength, newName.length * 2, true);
      this.fields.touch(parent);
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
    const cells = this.cells;
    const old = this.fields.get(nk, NK.className);
    if (old !== CELL_NONE && (this.fields.get(nk, NK.classNameLength) & 0xffff) > 0) cells.free(old);
    const pos = cells.pos(nk);
    if (className === undefined || className.length === 0) {
      cells.view.setUint32(pos + NK.className, CELL_NONE, true);
      cells.view.setUint16(pos + NK.classNameLength, 0, true);
    } else {
      const bytes = encodeUtf16le(className);
      if (bytes.length > 0xffff) throw new UsageError("class-name-too-long", `class name of ${className.length} characters is too long`);
      const cell = cells.alloc(bytes.length);
      cells.bytes.set(bytes, cells.pos(cell));
      cells.view.setUint32(cells.pos(nk) + NK.className, cell, true);
      cells.view.setUint16(cells.pos(nk) + NK.classNameLength, bytes.length, true);
      if (nk !== this.rootOffset) this.fields.raiseMax(this.fields.get(nk, NK.parent), NK.maxSubkeyClassLength, bytes.length);
    }
    this.fields.touch(nk);
  }

  /** Sets a key's last-written timestamp (FILETIME), e.g. to keep the original's when copying. */
  setLastWritten(nk: number, filetime: bigint): void {
    this.cells.view.setBigUint64(this.cells.pos(nk) + NK.lastWritten, filetime, true);
  }

  // --- values ----------------------------------------------------------------------------
  /** Sets a value ("" = the default value) of any type number to exactly `data`. */
  setValue(path: string, name: string, type: number, data: Uint8Array): void {
    if (name.length > MAX_VALUE_NAME) throw new UsageError("bad-value-name", `value name of ${name.length} characters is too long`);
    if (!Number.isInteger(type) || type < 0 || type > 0xffffffff) throw new UsageError("bad-value-type", `invalid value type ${type}`);
    this.setValueAt(this.require(path), name, type, data);
  }

  /** setValue on a key node offset. */
  setValueAt(nk: number, name: string, type: number, data: Uint8Array): void {
    this.dirty = true;
    this.values.set(nk, name, type, data);
  }

  /** Deletes a value; false when there was none. */
  deleteValue(path: string, name: string): boolean {
    const deleted = this.values.delete(this.require(path), name);
    if (deleted) this.dirty = true;
    return deleted;
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
    view.setUint32(BaseBlockField.primarySequence, sequence, true);
    view.setUint32(BaseBlockField.secondarySequence, sequence, true);
    view.setBigUint64(BaseBlockField.lastWritten, this.filetime(), true);
    view.setUint32(BaseBlockField.rootCellOffset, this.rootOffset, true);
    view.setUint32(BaseBlockField.hiveBinsDataSize, this.cells.dataSize, true);
    writeBaseBlockChecksum(out);
    return out;
  }

  /** A reader over the serialized bytes. */
  toHive(options: SerializeOptions = {}): Hive {
    return new Hive(this.serialize(options));
  }
}
