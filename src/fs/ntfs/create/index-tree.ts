/**
 * Builds a directory's $I30 B-tree from its sorted entries. NTFS's index is a B-tree, not a
 * B+tree: every entry appears once; an entry with a sub-node (flag 0x1, VCN in its last 8
 * bytes) has the smaller keys below it, and each node ends with a key-less last entry (flag
 * 0x2) whose sub-node holds the keys greater than the node's others (libfsntfs "Index entry";
 * linux-ntfs "Directory tree"). Collation FILENAME: names compared after mapping through
 * $UpCase, then the shorter first, then case-sensitive code units (ntfs-3g
 * ntfs_names_full_collate).
 *
 * The tree is bulk-loaded bottom-up: leaves are filled in order; when a leaf is full the next
 * entry goes up as the separator above it. Levels repeat until the top fits in the
 * $INDEX_ROOT. Windows and ntfs-3g keep whatever valid tree they find and split nodes as they
 * insert; a freshly packed tree is one of those valid shapes, and rebuilding it keeps the
 * writer free of the many in-place split and merge cases (every node is rewritten, which the
 * undo file records).
 */
import { NtfsError } from "../../../errors.js";
import type { UpCaseTable } from "../upcase.js";
import type { RawIndexEntry } from "./index-entries.js";
import { align8 } from "./record-layout.js";

const ENTRY_HAS_SUBNODE = 0x1;
const ENTRY_LAST = 0x2;

export function collateNames(upcase: UpCaseTable, left: string, right: string): number {
  const order = upcase.compare(left, right);
  if (order !== 0) return order;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * `name` mapped through $UpCase: two of these compared as JS strings (code units, a prefix
 * first) order their names as upcase.compare does, without a table walk per comparison.
 */
export function upcasedName(upcase: UpCaseTable, name: string): string {
  // An ASCII name through a table that is ASCII's own upper-casing: the engine's.
  if (upcase.asciiIsStandard && ASCII_ONLY.test(name)) return name.toUpperCase();
  let out = "";
  for (let i = 0; i < name.length; i++) out += String.fromCharCode(upcase.upper(name.charCodeAt(i)));
  return out;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

export function collateEntries(upcase: UpCaseTable, left: RawIndexEntry, right: RawIndexEntry): number {
  return collateNames(upcase, left.name, right.name);
}

/** Bytes an entry takes, with a sub-node VCN or not; undefined entry = the last entry. */
export function entrySize(entry: RawIndexEntry | undefined, withSubnode: boolean): number {
  return (entry ? align8(16 + entry.key.length) : 16) + (withSubnode ? 8 : 0);
}

function writeEntry(out: Uint8Array, at: number, entry: RawIndexEntry | undefined, subnodeVcn: number | undefined): number {
  const size = entrySize(entry, subnodeVcn !== undefined);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (entry) {
    view.setBigUint64(at, entry.reference, true);
    view.setUint16(at + 10, entry.key.length, true);
    out.set(entry.key, at + 16);
  }
  view.setUint16(at + 8, size, true);
  view.setUint16(at + 12, (entry ? 0 : ENTRY_LAST) | (subnodeVcn !== undefined ? ENTRY_HAS_SUBNODE : 0), true);
  if (subnodeVcn !== undefined) view.setBigUint64(at + size - 8, BigInt(subnodeVcn), true);
  return at + size;
}

interface Item {
  entry: RawIndexEntry;
  /** Node slot holding the smaller keys (internal levels only). */
  child?: number;
}

export interface BuiltNode {
  /** Entry bytes, last entry included. */
  entries: Uint8Array;
  /** True when its entries have sub-nodes (INDX header flag 0x1). */
  internal: boolean;
}

export interface BuiltIndex {
  rootEntries: Uint8Array;
  /** The root has sub-nodes ($INDEX_ROOT header flag 0x1, "large index"). */
  large: boolean;
  /** Nodes by slot; slot i lives at VCN vcnOf(i). */
  nodes: BuiltNode[];
}

function encodeNode(items: Item[], lastChild: number | undefined, vcnOf: (slot: number) => number): Uint8Array {
  const internal = lastChild !== undefined;
  const size = items.reduce((sum, it) => sum + entrySize(it.entry, internal), 0) + entrySize(undefined, internal);
  const out = new Uint8Array(size);
  let at = 0;
  for (const it of items) at = writeEntry(out, at, it.entry, internal ? vcnOf(it.child!) : undefined);
  writeEntry(out, at, undefined, internal ? vcnOf(lastChild) : undefined);
  return out;
}

function levelSize(items: Item[], internal: boolean): number {
  return items.reduce((sum, it) => sum + entrySize(it.entry, internal), 0) + entrySize(undefined, internal);
}

/**
 * The tree for `entries` (sorted by collateEntries): root entries within `rootCapacity`
 * bytes, nodes within `nodeCapacity` bytes each.
 */
export function buildIndexTree(entries: readonly RawIndexEntry[], rootCapacity: number, nodeCapacity: number, vcnOf: (slot: number) => number): BuiltIndex {
  const nodes: BuiltNode[] = [];
  let items: Item[] = entries.map((entry) => ({ entry }));
  let lastChild: number | undefined;
  // Each round packs a level into nodes, leaving fewer separators than items: it ends.
  for (let round = 0; ; round++) {
    const internal = lastChild !== undefined;
    if (levelSize(items, internal) <= rootCapacity) {
      return { rootEntries: encodeNode(items, lastChild, vcnOf), large: internal, nodes };
    }
    if (round > 64) throw new NtfsError("index-too-deep", "the index would need more than 64 levels");
    const separators: Item[] = [];
    let group: Item[] = [];
    let used = entrySize(undefined, internal);
    const close = (endChild: number | undefined) => {
      nodes.push({ entries: encodeNode(group, endChild, vcnOf), internal });
      group = [];
      used = entrySize(undefined, internal);
      return nodes.length - 1;
    };
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const size = entrySize(it.entry, internal);
      if (used + size <= nodeCapacity) {
        group.push(it);
        used += size;
        continue;
      }
      if (group.length === 0) throw new NtfsError("bad-index", `an index entry of ${size} bytes does not fit an index node of ${nodeCapacity}`);
      // A full node: the entry that did not fit goes up; it owns the node as its smaller keys.
      // Unless it is the very last one: then the node's last entry goes up instead, so the
      // final node is not empty.
      if (i === items.length - 1 && group.length > 1) {
        const sep = group.pop()!;
        separators.push({ entry: sep.entry, child: close(sep.child) });
        group.push(it);
        used += size;
        continue;
      }
      separators.push({ entry: it.entry, child: close(it.child) });
    }
    lastChild = close(lastChild);
    items = separators;
  }
}
