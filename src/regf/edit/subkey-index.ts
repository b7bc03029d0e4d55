/**
 * Keeping a key's subkey list sorted while keys come and go. A list is one leaf (li, lf or
 * lh) or an index root (ri) over leaves. Entries stay in Windows' upper-case order; an lh
 * entry carries the hash of the upper-cased name, an lf entry the first four characters.
 * A leaf that grows past MAX_LEAF_ENTRIES is split in two, a lone leaf by putting an ri
 * above it (Windows' CmpMaxIndexPerHblock: as many offsets as fit in one 4 KiB bin).
 */
import { RegfError } from "../../errors.js";
import { CELL_NONE } from "../cells/cell.js";
import { ELEMENT_SIZE, elementPosition, listKindAt, SUBKEY_LIST, type SubkeyListKind } from "../cells/subkey-list.js";
import { compareNames, lhHash } from "../names.js";
import type { CellAllocator } from "./allocator.js";

export const MAX_LEAF_ENTRIES = 1012;
export type LeafKind = "li" | "lf" | "lh";

/** Extra room given to a list that has to move to grow: none for short lists, 1/8 for long ones. */
export function listHeadroom(entries: number, entrySize: number): number {
  return entries < 64 ? 0 : (entries >> 3) * entrySize;
}

/** The lf hint: the first four characters when each fits in a byte, otherwise 0 (per the spec). */
export function lfHint(name: string): number {
  let hint = 0;
  for (let i = 0; i < 4 && i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code > 0xff) return 0;
    hint |= code << (8 * i);
  }
  return hint >>> 0;
}

/** Reads the name of the key node at a cell offset (provided by the editor, which caches). */
export type NameOf = (nkOffset: number) => string;

interface Position {
  /** Offset of the leaf the name is in, or would go in. */
  leaf: number;
  /** Index in the leaf (lower bound). */
  index: number;
  /** Index of the leaf in the ri, or -1 when the list is a lone leaf. */
  rootIndex: number;
  found: boolean;
}

/** The list's kind from its signature ("ri", "lh"...), or its two signature characters when it is none (for the message). */
function signature(cells: CellAllocator, offset: number): string {
  const pos = cells.pos(offset);
  return listKindAt(cells.bytes, pos) ?? String.fromCharCode(cells.bytes[pos], cells.bytes[pos + 1]);
}

function count(cells: CellAllocator, offset: number): number {
  return cells.view.getUint16(cells.pos(offset) + SUBKEY_LIST.count, true);
}

function leafKind(cells: CellAllocator, offset: number): LeafKind {
  const kind = signature(cells, offset);
  if (kind !== "li" && kind !== "lf" && kind !== "lh") {
    throw new RegfError("bad-subkey-list", `cell at 0x${offset.toString(16)} is not a subkey leaf (found ${JSON.stringify(kind)})`, { offset: cells.pos(offset) });
  }
  return kind;
}

function element(cells: CellAllocator, offset: number, kind: SubkeyListKind, index: number): number {
  return cells.view.getUint32(elementPosition(cells.pos(offset), kind, index), true);
}

function writeElement(cells: CellAllocator, leaf: number, kind: LeafKind, slot: number, nk: number, name: string): void {
  const pos = elementPosition(cells.pos(leaf), kind, slot);
  cells.view.setUint32(pos, nk, true);
  if (kind === "lh") cells.view.setUint32(pos + 4, lhHash(name), true);
  else if (kind === "lf") cells.view.setUint32(pos + 4, lfHint(name), true);
}

function locateInLeaf(cells: CellAllocator, leaf: number, name: string, nameOf: NameOf): { index: number; found: boolean } {
  const kind = leafKind(cells, leaf);
  let lo = 0;
  let hi = count(cells, leaf);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const order = compareNames(nameOf(element(cells, leaf, kind, mid)), name);
    if (order === 0) return { index: mid, found: true };
    if (order < 0) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo, found: false };
}

/** Position after the last entry of `leaf` when `name` sorts after it (the .reg order: keys come sorted), else undefined. */
function afterLast(cells: CellAllocator, leaf: number, name: string, nameOf: NameOf): number | undefined {
  const total = count(cells, leaf);
  if (total === 0) return undefined;
  return compareNames(nameOf(element(cells, leaf, leafKind(cells, leaf), total - 1)), name) < 0 ? total : undefined;
}

function locate(cells: CellAllocator, list: number, name: string, nameOf: NameOf): Position {
  if (signature(cells, list) !== "ri") {
    const end = afterLast(cells, list, name, nameOf);
    if (end !== undefined) return { leaf: list, rootIndex: -1, index: end, found: false };
    return { leaf: list, rootIndex: -1, ...locateInLeaf(cells, list, name, nameOf) };
  }
  const leaves = count(cells, list);
  if (leaves === 0) throw new RegfError("bad-subkey-list", `index root at 0x${list.toString(16)} is empty`, { offset: cells.pos(list) });
  const lastLeaf = element(cells, list, "ri", leaves - 1);
  const end = afterLast(cells, lastLeaf, name, nameOf);
  if (end !== undefined) return { leaf: lastLeaf, rootIndex: leaves - 1, index: end, found: false };
  // The first leaf whose last name is >= name holds it (or would).
  let lo = 0;
  let hi = leaves - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const leaf = element(cells, list, "ri", mid);
    const total = count(cells, leaf);
    const last = total === 0 ? "" : nameOf(element(cells, leaf, leafKind(cells, leaf), total - 1));
    if (total > 0 && compareNames(last, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  const leaf = element(cells, list, "ri", lo);
  return { leaf, rootIndex: lo, ...locateInLeaf(cells, leaf, name, nameOf) };
}

/** Key node offset of the subkey called `name` (case-insensitive), or undefined. */
export function findSubkey(cells: CellAllocator, list: number, name: string, nameOf: NameOf): number | undefined {
  if (list === CELL_NONE) return undefined;
  const at = locate(cells, list, name, nameOf);
  return at.found ? element(cells, at.leaf, leafKind(cells, at.leaf), at.index) : undefined;
}

function newLeaf(cells: CellAllocator, kind: LeafKind, entries: number): number {
  const leaf = cells.alloc(SUBKEY_LIST.elements + entries * ELEMENT_SIZE[kind]);
  const pos = cells.pos(leaf);
  cells.bytes[pos] = kind.charCodeAt(0);
  cells.bytes[pos + 1] = kind.charCodeAt(1);
  cells.view.setUint16(pos + SUBKEY_LIST.count, entries, true);
  return leaf;
}

/** Inserts offset `item` at `index` of an ri; returns the ri's (possibly new) offset. */
function insertIntoRoot(cells: CellAllocator, root: number, index: number, item: number): number {
  const total = count(cells, root);
  root = cells.realloc(root, SUBKEY_LIST.elements + (total + 1) * 4, listHeadroom(total, 4));
  const base = cells.pos(root) + SUBKEY_LIST.elements;
  cells.bytes.copyWithin(base + (index + 1) * 4, base + index * 4, base + total * 4);
  cells.view.setUint32(base + index * 4, item, true);
  cells.view.setUint16(cells.pos(root) + SUBKEY_LIST.count, total + 1, true);
  return root;
}

/**
 * Adds key node `nk` called `name` to the list at `list` (CELL_NONE: a new `kind` leaf).
 * Returns the list's offset, which changes when a cell moved or an ri was put on top.
 */
export function insertSubkey(cells: CellAllocator, list: number, nk: number, name: string, nameOf: NameOf, kind: LeafKind): number {
  if (list === CELL_NONE) {
    const leaf = newLeaf(cells, kind, 1);
    writeElement(cells, leaf, kind, 0, nk, name);
    return leaf;
  }
  const at = locate(cells, list, name, nameOf);
  if (at.found) throw new RegfError("duplicate-key", `a subkey named ${JSON.stringify(name)} already exists`);
  const leafKindHere = leafKind(cells, at.leaf);
  const size = ELEMENT_SIZE[leafKindHere];
  const total = count(cells, at.leaf);
  let leaf = cells.realloc(at.leaf, SUBKEY_LIST.elements + (total + 1) * size, Math.min(listHeadroom(total, size), (MAX_LEAF_ENTRIES - total) * size));
  if (at.rootIndex >= 0) cells.view.setUint32(cells.pos(list) + SUBKEY_LIST.elements + at.rootIndex * 4, leaf, true);
  else list = leaf;
  const base = cells.pos(leaf) + SUBKEY_LIST.elements;
  cells.bytes.copyWithin(base + (at.index + 1) * size, base + at.index * size, base + total * size);
  writeElement(cells, leaf, leafKindHere, at.index, nk, name);
  cells.view.setUint16(cells.pos(leaf) + SUBKEY_LIST.count, total + 1, true);
  if (total + 1 <= MAX_LEAF_ENTRIES) return list;

  // Split the full leaf: the upper half moves to a new leaf right after it.
  const keep = (total + 1) >> 1;
  const moved = total + 1 - keep;
  const upper = newLeaf(cells, leafKindHere, moved);
  leaf = at.rootIndex >= 0 ? element(cells, list, "ri", at.rootIndex) : leaf;
  const from = cells.pos(leaf) + SUBKEY_LIST.elements + keep * size;
  cells.bytes.copyWithin(cells.pos(upper) + SUBKEY_LIST.elements, from, from + moved * size);
  cells.view.setUint16(cells.pos(leaf) + SUBKEY_LIST.count, keep, true);
  if (at.rootIndex >= 0) return insertIntoRoot(cells, list, at.rootIndex + 1, upper);
  const root = cells.alloc(SUBKEY_LIST.elements + 2 * 4);
  const pos = cells.pos(root);
  cells.bytes[pos] = 0x72; // "r"
  cells.bytes[pos + 1] = 0x69; // "i"
  cells.view.setUint16(pos + SUBKEY_LIST.count, 2, true);
  cells.view.setUint32(pos + SUBKEY_LIST.elements, leaf, true);
  cells.view.setUint32(pos + SUBKEY_LIST.elements + 4, upper, true);
  return root;
}

/**
 * Removes the subkey called `name`; returns the list's new offset (CELL_NONE when it became
 * empty, its cells freed) and the removed key node's offset.
 */
export function removeSubkey(cells: CellAllocator, list: number, name: string, nameOf: NameOf): { list: number; nk: number } {
  const at = list === CELL_NONE ? undefined : locate(cells, list, name, nameOf);
  if (!at || !at.found) throw new RegfError("key-not-found", `no subkey named ${JSON.stringify(name)}`);
  const kind = leafKind(cells, at.leaf);
  const size = ELEMENT_SIZE[kind];
  const nk = element(cells, at.leaf, kind, at.index);
  const total = count(cells, at.leaf);
  const base = cells.pos(at.leaf) + SUBKEY_LIST.elements;
  cells.bytes.copyWithin(base + at.index * size, base + (at.index + 1) * size, base + total * size);
  cells.bytes.fill(0, base + (total - 1) * size, base + total * size);
  cells.view.setUint16(cells.pos(at.leaf) + SUBKEY_LIST.count, total - 1, true);
  if (total - 1 > 0) return { list, nk };
  cells.free(at.leaf);
  if (at.rootIndex < 0) return { list: CELL_NONE, nk };
  const leaves = count(cells, list);
  const rbase = cells.pos(list) + SUBKEY_LIST.elements;
  cells.bytes.copyWithin(rbase + at.rootIndex * 4, rbase + (at.rootIndex + 1) * 4, rbase + leaves * 4);
  cells.view.setUint16(cells.pos(list) + SUBKEY_LIST.count, leaves - 1, true);
  if (leaves - 1 > 0) return { list, nk };
  cells.free(list);
  return { list: CELL_NONE, nk };
}

