/**
 * Bounded depth-first walk over a key tree, in stored order (parent first, as regedit
 * exports). A key reached twice (a cycle or a shared subtree) and nesting deeper than Windows
 * allows are errors, so a hostile hive can never make the walk loop.
 */
import { RegfError } from "../errors.js";
import { HBINS_START } from "./base-block.js";
import { CELL_SIZE_FIELD, decodeName, type CellSpace } from "./cells/cell.js";
import { KeyFlags, NK, nkPosition } from "./cells/nk.js";
import { appendSubkeyOffsets } from "./cells/subkey-list.js";
import type { RegKey } from "./key.js";
import type { RegValue } from "./value.js";
import { compareNames, upcaseName, upcaseUnit } from "./names.js";

/** Windows refuses keys nested deeper than 512 levels. */
export const MAX_KEY_DEPTH = 512;

export interface WalkedKey {
  key: RegKey;
  /** 0 for the start key. */
  depth: number;
}

export interface WalkOptions {
  /** Told about anomalies that do not stop the walk (an unsorted subkey list). */
  onWarning?: (message: string, key: RegKey) => void;
}

/**
 * The subkeys of `key`, checked: two subkeys with the same name (Windows' upper case) are an
 * error; a list out of Windows' order is reported as a warning (Windows' own lookups, which
 * binary-search, may miss keys in it).
 */
export function checkedSubkeys(key: RegKey, options: WalkOptions = {}): RegKey[] {
  const keys = key.subkeys();
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    const order = compareNames(keys[i - 1].name, keys[i].name);
    if (order === 0) throw duplicate(keys[i]);
    if (order > 0) sorted = false;
  }
  if (!sorted) {
    options.onWarning?.(`subkey list of ${JSON.stringify(key.path)} is not in Windows' sort order`, key);
    const names = new Set<string>();
    for (const regKey of keys) {
      const up = upcaseName(regKey.name);
      if (names.has(up)) throw duplicate(regKey);
      names.add(up);
    }
  }
  return keys;
}

/**
 * A key node's parent field must point back to the key whose list holds it: Windows' own
 * walks go up through it (paths, security inheritance), so a mismatch is corruption.
 */
function checkParent(child: RegKey, parentOffset: number): void {
  if (child.parentOffset !== parentOffset) throw badParent(child.offset, child.parentOffset, parentOffset, child.path);
}

export function badParent(offset: number, stored: number, expected: number, path: string): RegfError {
  return new RegfError("bad-parent", `key's parent field is 0x${stored.toString(16)}, but it is listed under 0x${expected.toString(16)}`, {
    offset: HBINS_START + offset,
    path,
  });
}

function duplicate(key: RegKey): RegfError {
  return new RegfError("duplicate-subkey", `two subkeys are named ${JSON.stringify(key.name)}`, {
    offset: HBINS_START + key.offset,
    path: key.path,
  });
}

export function* iterateKeys(start: RegKey, options: WalkOptions = {}): Generator<WalkedKey> {
  const seen = new Set<number>([start.offset]);
  yield { key: start, depth: 0 };
  const first = checkedSubkeys(start, options);
  for (const child of first) checkParent(child, start.offset);
  const stack: { keys: RegKey[]; next: number }[] = [{ keys: first, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= top.keys.length) {
      stack.pop();
      continue;
    }
    const key = top.keys[top.next++];
    if (seen.has(key.offset)) {
      throw new RegfError("key-reached-twice", `key node at 0x${key.offset.toString(16)} is reached twice (a cycle or a duplicate subkey entry)`, {
        offset: HBINS_START + key.offset,
        path: key.path,
      });
    }
    seen.add(key.offset);
    if (stack.length > MAX_KEY_DEPTH) {
      throw new RegfError("too-deep", `keys are nested deeper than ${MAX_KEY_DEPTH} levels`, { path: key.path });
    }
    yield { key, depth: stack.length };
    if (key.subkeyCount > 0) {
      const keys = checkedSubkeys(key, options);
      for (const child of keys) checkParent(child, key.offset);
      stack.push({ keys, next: 0 });
    }
  }
}

export function walkKeys(start: RegKey, visit: (key: RegKey, depth: number) => void, options: WalkOptions = {}): void {
  for (const { key, depth } of iterateKeys(start, options)) visit(key, depth);
}

/**
 * A key's values for a whole-tree walk: a value cell reached a second time (from the same
 * list or another key) is corruption, and refusing it keeps an export bounded by the hive size.
 */
export function checkedValues(key: RegKey, seenValues: Set<number>): RegValue[] {
  if (key.valueCount === 0) return [];
  const values = key.values();
  for (const value of values) {
    if (seenValues.has(value.offset)) {
      throw new RegfError("value-reached-twice", `value cell 0x${value.offset.toString(16)} is listed twice`, {
        offset: HBINS_START + value.offset,
        path: key.path,
      });
    }
    seenValues.add(value.offset);
  }
  return values;
}

/** A growable stack of u32 cell offsets (no boxed numbers, no array per key). */
class OffsetStack {
  items = new Uint32Array(1024);
  length = 0;

  push(offset: number): void {
    if (this.length === this.items.length) {
      const grown = new Uint32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.length++] = offset;
  }
}

/** One bit per 8-byte cell slot: "reached already" for cell offsets that passed `cell()`. */
export class CellBitmap {
  private readonly bits: Uint8Array;

  constructor(dataSize: number) {
    this.bits = new Uint8Array((dataSize >>> 6) + 1);
  }

  /** Marks `offset`; false when it was marked already. */
  mark(offset: number): boolean {
    const slot = offset >>> 6;
    const bit = 1 << ((offset >>> 3) & 7);
    if ((this.bits[slot] & bit) !== 0) return false;
    this.bits[slot] |= bit;
    return true;
  }
}

/**
 * `iterateKeys` for whole-tree exports, on cell offsets instead of RegKey objects: the same
 * order, the same checks (nk cells, duplicate names, a key reached twice, depth) and the same
 * errors, but nothing allocated per key. After `next()` returns true, `pos` is the file
 * position of the current key's nk signature and `depth` its depth (0 for the start key).
 */
export class KeyCellWalk {
  readonly space: CellSpace;
  pos = -1;
  offset = -1;
  depth = 0;
  private readonly startPath: string;
  private readonly seen: CellBitmap;
  /** Subkey offsets of the keys on the current chain, each list above its parent's. */
  private readonly offsets = new OffsetStack();
  /** Per depth level: where its subkeys start in `offsets`, the next one to visit. */
  private frameStart: number[] = [];
  private frameNext: number[] = [];
  /** nk positions of the current key and its ancestors, by depth (for error paths). */
  private chain: number[] = [];
  private started = false;

  constructor(start: RegKey) {
    this.space = start.cellSpace;
    this.startPath = start.path;
    this.seen = new CellBitmap(this.space.dataSize);
    this.offset = start.offset;
    this.seen.mark(start.offset);
  }

  next(): boolean {
    const space = this.space;
    if (!this.started) {
      this.started = true;
      this.pos = nkPosition(space, this.offset);
      this.chain[0] = this.pos;
      this.depth = 0;
      return true;
    }
    // The current key's subkeys go on the stack now that its own block is done (the start
    // key's list is pushed even when empty, as iterateKeys does: it sets the depths).
    if (space.u32(this.pos + NK.subkeyCount) > 0) this.pushSubkeys();
    else if (this.depth === 0) {
      this.frameStart.push(this.offsets.length);
      this.frameNext.push(this.offsets.length);
    }
    const items = this.offsets;
    for (;;) {
      const top = this.frameNext.length - 1;
      if (top < 0) return false;
      // The top level's subkeys run to the end of the stack.
      if (this.frameNext[top] >= items.length) {
        items.length = this.frameStart[top];
        this.frameStart.pop();
        this.frameNext.pop();
        continue;
      }
      const index = this.frameNext[top]++;
      const offset = items.items[index];
      const depth = top + 1;
      // Already checked by pushSubkeys: a valid nk cell, so aligned and inside the bins.
      const pos = HBINS_START + offset + CELL_SIZE_FIELD;
      this.chain[depth] = pos;
      if (!this.seen.mark(offset)) {
        throw new RegfError("key-reached-twice", `key node at 0x${offset.toString(16)} is reached twice (a cycle or a duplicate subkey entry)`, {
          offset: HBINS_START + offset,
          path: this.pathAt(depth),
        });
      }
      if (depth > MAX_KEY_DEPTH) {
        throw new RegfError("too-deep", `keys are nested deeper than ${MAX_KEY_DEPTH} levels`, { path: this.pathAt(depth) });
      }
      this.offset = offset;
      this.pos = pos;
      this.depth = depth;
      return true;
    }
  }

  /** The current key's path ("\"-separated, from the hive root), as RegKey.path gives it. */
  path(): string {
    return this.pathAt(this.depth);
  }

  private pathAt(depth: number): string {
    let path = this.startPath;
    for (let d = 1; d <= depth; d++) {
      const name = nkName(this.space, this.chain[d]);
      path = path === "" ? name : `${path}\\${name}`;
    }
    return path;
  }

  /** Pushes and checks the current key's subkeys, as checkedSubkeys does. */
  private pushSubkeys(): void {
    const space = this.space;
    const items = this.offsets;
    const first = items.length;
    appendSubkeyOffsets(space, space.u32(this.pos + NK.subkeyList), items);
    const end = items.length;
    for (let i = first; i < end; i++) nkPosition(space, items.items[i]);
    let sorted = true;
    for (let i = first + 1; i < end; i++) {
      const order = compareNkNames(space, HBINS_START + CELL_SIZE_FIELD + items.items[i - 1], HBINS_START + CELL_SIZE_FIELD + items.items[i]);
      if (order === 0) throw this.duplicateAt(items.items[i]);
      if (order > 0) sorted = false;
    }
    if (!sorted) {
      const names = new Set<string>();
      for (let i = first; i < end; i++) {
        const up = upcaseName(nkName(space, HBINS_START + CELL_SIZE_FIELD + items.items[i]));
        if (names.has(up)) throw this.duplicateAt(items.items[i]);
        names.add(up);
      }
    }
    for (let i = first; i < end; i++) {
      const pos = HBINS_START + CELL_SIZE_FIELD + items.items[i];
      const stored = space.u32(pos + NK.parent);
      if (stored === this.offset) continue;
      const parent = this.pathAt(this.depth);
      const name = nkName(space, pos);
      throw badParent(items.items[i], stored, this.offset, parent === "" ? name : `${parent}\\${name}`);
    }
    this.frameStart.push(first);
    this.frameNext.push(first);
  }

  private duplicateAt(offset: number): RegfError {
    const pos = HBINS_START + CELL_SIZE_FIELD + offset;
    const name = nkName(this.space, pos);
    const parent = this.pathAt(this.depth);
    return new RegfError("duplicate-subkey", `two subkeys are named ${JSON.stringify(name)}`, {
      offset: HBINS_START + offset,
      path: parent === "" ? name : `${parent}\\${name}`,
    });
  }
}

/** The name of the key node whose signature is at `pos`. */
function nkName(space: CellSpace, pos: number): string {
  return decodeName(space.bytes, pos + NK.name, space.u16(pos + NK.nameLength), (space.u16(pos + NK.flags) & KeyFlags.COMP_NAME) !== 0);
}

/** compareNames on two key nodes' stored names, without decoding them. */
function compareNkNames(space: CellSpace, left: number, right: number): number {
  const bytes = space.bytes;
  const lengthA = bytes[left + NK.nameLength] | (bytes[left + NK.nameLength + 1] << 8);
  const lengthB = bytes[right + NK.nameLength] | (bytes[right + NK.nameLength + 1] << 8);
  const wideA = (bytes[left + NK.flags] & KeyFlags.COMP_NAME) === 0;
  const wideB = (bytes[right + NK.flags] & KeyFlags.COMP_NAME) === 0;
  const unitsA = wideA ? lengthA >>> 1 : lengthA;
  const unitsB = wideB ? lengthB >>> 1 : lengthB;
  const shorter = unitsA < unitsB ? unitsA : unitsB;
  const nameA = left + NK.name;
  const nameB = right + NK.name;
  for (let i = 0; i < shorter; i++) {
    const ca = wideA ? bytes[nameA + 2 * i] | (bytes[nameA + 2 * i + 1] << 8) : bytes[nameA + i];
    const cb = wideB ? bytes[nameB + 2 * i] | (bytes[nameB + 2 * i + 1] << 8) : bytes[nameB + i];
    if (ca === cb) continue;
    const difference = upcaseUnit(ca) - upcaseUnit(cb);
    if (difference !== 0) return difference;
  }
  return unitsA - unitsB;
}
