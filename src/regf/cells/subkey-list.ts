/**
 * Subkey lists. All start with a two-byte signature and a u16 element count (@2), elements @4:
 * - "li" index leaf: u32 key node offsets (NT 3.x/4 and volatile keys);
 * - "lf" fast leaf: (u32 key node offset, 4-byte hint = first 4 name characters) (NT 4+);
 * - "lh" hash leaf: (u32 key node offset, u32 hash of the upper-cased name) (XP+);
 * - "ri" index root: u32 offsets of li/lf/lh leaves, for big lists; an ri never holds an ri.
 * Entries are sorted by Windows' upper-case form of the key names.
 */
import { RegfError } from "../../errors.js";
import { CELL_NONE, type CellSpace } from "./cell.js";

export const SUBKEY_LIST = { signature: 0, count: 2, elements: 4 } as const;
export const LeafKind = { li: "li", lf: "lf", lh: "lh", ri: "ri" } as const;
/** Bytes per element: li and ri hold offsets only, lf and lh an offset plus a hint. */
export const ELEMENT_SIZE = { li: 4, ri: 4, lf: 8, lh: 8 } as const;

export type SubkeyListKind = keyof typeof ELEMENT_SIZE;
type Kind = SubkeyListKind;

/** The kind of the subkey list whose cell data starts at `pos`, from its signature; undefined when it is none. */
export function listKindAt(bytes: Uint8Array, pos: number): Kind | undefined {
  const second = bytes[pos + 1];
  if (bytes[pos] === 0x6c) return second === 0x68 ? "lh" : second === 0x66 ? "lf" : second === 0x69 ? "li" : undefined; // "l?"
  return bytes[pos] === 0x72 && second === 0x69 ? "ri" : undefined;
}

/** File position of element `index` of the list of `kind` whose cell data starts at `pos`. */
export function elementPosition(pos: number, kind: Kind, index: number): number {
  return pos + SUBKEY_LIST.elements + index * ELEMENT_SIZE[kind];
}

function readList(space: CellSpace, listOffset: number, what: string): { pos: number; kind: Kind; count: number } {
  const pos = space.cell(listOffset, what);
  const length = space.dataLength(pos);
  const kind = length < 4 ? undefined : listKindAt(space.bytes, pos);
  if (kind === undefined) {
    throw new RegfError("bad-subkey-list", `cell at 0x${listOffset.toString(16)} is not a subkey list (found ${JSON.stringify(space.signature(pos))})`, {
      offset: pos,
    });
  }
  const count = space.u16(pos + SUBKEY_LIST.count);
  const size = ELEMENT_SIZE[kind];
  if (SUBKEY_LIST.elements + count * size > length) {
    throw new RegfError("bad-subkey-list", `subkey list claims ${count} entries but its cell holds ${(length - 4) / size | 0}`, {
      offset: pos + SUBKEY_LIST.count,
    });
  }
  return { pos, kind, count };
}

/** Somewhere to put subkey offsets: a plain array, or a walk's own growable stack. */
export interface OffsetSink {
  push(offset: number): unknown;
}

function readLeaf(space: CellSpace, pos: number, kind: Kind, count: number, out: OffsetSink): void {
  const size = ELEMENT_SIZE[kind];
  for (let i = 0; i < count; i++) out.push(space.u32(pos + SUBKEY_LIST.elements + i * size));
}

/** Key node offsets of a key's subkeys, in stored order, following an index root. */
export function readSubkeyOffsets(space: CellSpace, listOffset: number): number[] {
  const out: number[] = [];
  appendSubkeyOffsets(space, listOffset, out);
  return out;
}

/**
 * Calls `visit` for each leaf of the subkey list at `listOffset`: the list itself, or each
 * distinct leaf of an index root (a leaf listed twice, or an index root below an index root,
 * is an error; so the offsets visited stay bounded by the hive size).
 */
function forEachLeaf(space: CellSpace, listOffset: number, visit: (pos: number, kind: Kind, count: number) => void): void {
  if (listOffset === CELL_NONE) return;
  const top = readList(space, listOffset, "subkey list");
  if (top.kind !== "ri") {
    visit(top.pos, top.kind, top.count);
    return;
  }
  const seen = new Set<number>();
  for (let i = 0; i < top.count; i++) {
    const leafOffset = space.u32(top.pos + SUBKEY_LIST.elements + i * 4);
    if (seen.has(leafOffset)) {
      throw new RegfError("bad-subkey-list", `index root lists leaf 0x${leafOffset.toString(16)} twice`, { offset: top.pos + SUBKEY_LIST.elements + i * 4 });
    }
    seen.add(leafOffset);
    const leaf = readList(space, leafOffset, "index root leaf");
    if (leaf.kind === "ri") {
      throw new RegfError("nested-index-root", `index root at 0x${listOffset.toString(16)} points to another index root`, { offset: leaf.pos });
    }
    visit(leaf.pos, leaf.kind, leaf.count);
  }
}

/** `readSubkeyOffsets`, appending to `out` (same checks, no array per key). */
export function appendSubkeyOffsets(space: CellSpace, listOffset: number, out: OffsetSink): void {
  forEachLeaf(space, listOffset, (pos, kind, count) => readLeaf(space, pos, kind, count, out));
}

/**
 * Subkeys that may be named `name`, as Windows narrows a lookup: in `lh` leaves only the entries
 * whose stored hash equals the name's (`hashOf(name)`), in `lf`/`li` leaves every entry. Same
 * checks as appendSubkeyOffsets (it walks the same lists).
 */
export function subkeyCandidates(space: CellSpace, listOffset: number, hash: number): number[] {
  const out: number[] = [];
  forEachLeaf(space, listOffset, (pos, kind, count) => {
    if (kind !== "lh") return readLeaf(space, pos, kind, count, out);
    for (let i = 0; i < count; i++) {
      const at = pos + SUBKEY_LIST.elements + i * 8;
      if (space.u32(at + 4) === hash) out.push(space.u32(at));
    }
  });
  return out;
}

/** Cell offsets of a subkey list: the list itself, then an index root's leaves (as freeing a list needs them). */
export function subkeyListCells(space: CellSpace, listOffset: number): number[] {
  if (listOffset === CELL_NONE) return [];
  const top = readList(space, listOffset, "subkey list");
  const cells = [listOffset];
  if (top.kind === "ri") for (let i = 0; i < top.count; i++) cells.push(space.u32(elementPosition(top.pos, "ri", i)));
  return cells;
}

/** The stored list kind and leaf count, for the writer and the structural check. */
export function subkeyListKind(space: CellSpace, listOffset: number): Kind {
  return readList(space, listOffset, "subkey list").kind;
}
