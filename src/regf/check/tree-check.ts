/**
 * The tree part of the structural check: from the root key down, every cell claimed once, lists
 * sorted with right hashes and hints, values and their data inside their cells, the security
 * records' list and reference counts, and the cells nothing claims (leaks).
 */
import { P2vfixError, RegfError } from "../../errors.js";
import { HBINS_START, type BaseBlock } from "../base-block.js";
import { BIG_DATA_MIN_MINOR_VERSION, BIG_DATA_SEGMENT_SIZE, DB } from "../cells/big-data.js";
import { CELL_NONE, CELL_SIZE_FIELD, CellSpace, decodeName } from "../cells/cell.js";
import { KeyFlags, NK, readNk } from "../cells/nk.js";
import { readSk, SK } from "../cells/sk.js";
import { ELEMENT_SIZE, SUBKEY_LIST } from "../cells/subkey-list.js";
import { ValueFlags, VK, vkPosition, VK_DATA_INLINE } from "../cells/vk.js";
import { compareNames, lhHash, upcaseName } from "../names.js";
import { lfHint } from "../edit/subkey-index.js";
import { hex, type CheckStats, type Report } from "./report.js";
import type { CellTable } from "./layout-check.js";

/** A check of only what an edit of these keys touches (see CheckOptions.only). */
export interface CheckScope {
  paths: string[];
  subtrees?: boolean;
}

const MAX_DEPTH = 512;

/** What a cell is claimed as (its description is built only for a message). */
const enum Claim {
  keyNode,
  className,
  subkeyList,
  indexLeaf,
  valueList,
  value,
  data,
  segmentList,
  segment,
}

export class TreeCheck {
  private readonly space: CellSpace;
  private readonly view: DataView;
  /**
   * walkCells' table, in which claims are marked in place (one table, not a second one as
   * large: a check of a 12 MB hive held two of 6 MB each): 0 no allocated cell starts there;
   * > 0 an allocated cell of that size, not reached (yet); CLAIMED_BY_SECURITY_LIST; or
   * ownerMark(key) for a cell a structure of that key node claimed. A claimed cell's size is in
   * its size field (capacity), as walkCells read it.
   */
  private readonly cells: CellTable;
  private readonly skRefs = new Map<number, number>();

  constructor(
    bytes: Uint8Array,
    dataSize: number,
    private readonly base: BaseBlock,
    allocated: CellTable,
    private readonly report: Report,
    private readonly stats: CheckStats,
    only?: { paths: string[]; subtrees?: boolean },
  ) {
    if (only) {
      this.onlyPaths = only.paths.map((path) => upcaseName(path.split("\\").filter((part) => part !== "").join("\\")));
      this.onlySubtrees = Boolean(only.subtrees);
    }
    this.space = new CellSpace(bytes, dataSize, base.minorVersion);
    this.cells = allocated;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The key whose structures are being claimed (for "shared cell" messages). */
  private currentKey = 0;
  /** Partial check: the upper-case paths whose keys (and ancestors) are checked. */
  private readonly onlyPaths: string[] | undefined;
  private readonly onlySubtrees: boolean = false;

  /** Whether the key at `path` is checked (always, for a whole-hive check). */
  private wanted(path: string): boolean {
    if (!this.onlyPaths) return true;
    const up = upcaseName(path);
    for (const onlyPath of this.onlyPaths) {
      if (onlyPath === up || onlyPath.startsWith(`${up}\\`)) return true;
      if (this.onlySubtrees && up.startsWith(`${onlyPath}\\`)) return true;
    }
    return false;
  }

  private isCell(offset: number): boolean {
    return offset % 8 === 0 && offset / 8 < this.cells.length && this.cells[offset / 8] !== 0;
  }

  /**
   * Claims a cell for `what` (a function: the description is only built for a message);
   * false when it is not an allocated cell or already claimed.
   */
  private claim(offset: number, kind: Claim, path: string, index = 0, vkPos = 0): boolean {
    if (!this.isCell(offset)) {
      this.report.error("dangling-reference", `${this.describe(kind, path, index, vkPos)} points to ${hex(offset)}, which is not an allocated cell`, { offset: HBINS_START + offset, path });
      return false;
    }
    const prior = this.cells[offset / 8];
    if (prior < 0) {
      const by = prior === CLAIMED_BY_SECURITY_LIST ? "the security list" : `a structure of the key node at ${hex(ownerOf(prior))}`;
      this.report.error("shared-cell", `${this.describe(kind, path, index, vkPos)} uses cell ${hex(offset)}, already used by ${by}`, { offset: HBINS_START + offset, path });
      return false;
    }
    this.cells[offset / 8] = ownerMark(this.currentKey);
    return true;
  }

  private capacity(offset: number): number {
    return (this.isCell(offset) ? -this.view.getInt32(HBINS_START + offset, true) : CELL_SIZE_FIELD) - CELL_SIZE_FIELD;
  }

  run(): void {
    const stack: { nk: number; path: string; parent: number | undefined; depth: number }[] = [
      { nk: this.base.rootCellOffset, path: "", parent: undefined, depth: 0 },
    ];
    while (stack.length > 0) {
      const item = stack.pop()!;
      this.currentKey = item.nk;
      if (!this.claim(item.nk, Claim.keyNode, item.path)) continue;
      try {
        this.checkKey(item.nk, item.path, item.parent, item.depth, stack);
      } catch (err) {
        if (!(err instanceof P2vfixError)) throw err;
        this.report.error(err.code, err.message, { ...(err.offset === undefined ? {} : { offset: err.offset }), path: item.path });
      }
    }
    if (this.onlyPaths) return;
    this.checkSecurityList();
    this.checkLeaks();
  }

  private checkKey(
    offset: number,
    path: string,
    parent: number | undefined,
    depth: number,
    stack: { nk: number; path: string; parent: number | undefined; depth: number }[],
  ): void {
    const nk = readNk(this.space, offset);
    this.stats.keys++;
    if (parent === undefined && (nk.flags & KeyFlags.HIVE_ENTRY) === 0) {
      this.report.warn("root-flags", `root key has no HIVE_ENTRY flag (flags ${hex(nk.flags)})`, { offset: nk.pos, path });
    }
    if (parent !== undefined && nk.parent !== parent) {
      this.report.error("bad-parent", `key's parent field is ${hex(nk.parent)}, but it is listed under ${hex(parent)}`, { offset: nk.pos + NK.parent, path });
    }
    if (nk.security !== CELL_NONE) this.skRefs.set(nk.security, (this.skRefs.get(nk.security) ?? 0) + 1);
    else this.report.error("no-security", "key has no security record", { offset: nk.pos + NK.security, path });
    if (nk.classNameLength > 0 && nk.className !== CELL_NONE) {
      if (this.claim(nk.className, Claim.className, path) && nk.classNameLength > this.capacity(nk.className)) {
        this.report.error("bad-class-name", `class name of ${nk.classNameLength} bytes does not fit its cell`, { offset: nk.pos + NK.classNameLength, path });
      }
    }
    this.checkValues(nk.valueList, nk.valueCount, path);
    if (nk.subkeyCount === 0) return;
    if (depth >= MAX_DEPTH) {
      this.report.error("too-deep", `keys nest deeper than ${MAX_DEPTH} levels`, { path });
      return;
    }
    const children = this.checkSubkeyList(nk.subkeyList, path, nk.pos);
    if (children.length !== nk.subkeyCount) {
      this.report.error("bad-subkey-count", `key says ${nk.subkeyCount} subkeys, its list holds ${children.length}`, { offset: nk.pos + NK.subkeyCount, path });
    }
    let maxName = 0;
    for (const child of children) {
      maxName = Math.max(maxName, child.name.length * 2);
      const childPath = path === "" ? child.name : `${path}\\${child.name}`;
      if (this.wanted(childPath)) stack.push({ nk: child.nk, path: childPath, parent: offset, depth: depth + 1 });
    }
    const recorded = this.view.getUint32(nk.pos + NK.maxSubkeyNameLength, true) & 0xffff;
    if (recorded < maxName) {
      this.report.warn("max-name-length", `largest subkey name length is ${recorded}, a subkey name takes ${maxName} bytes`, { offset: nk.pos + NK.maxSubkeyNameLength, path });
    }
  }

  /** Checks the list cells and order; returns the children (offset, name) in list order. */
  private checkSubkeyList(list: number, path: string, nkPos: number): { nk: number; name: string }[] {
    const out: { nk: number; name: string }[] = [];
    if (list === CELL_NONE) {
      this.report.error("missing-subkey-list", "key has subkeys but no subkey list", { offset: nkPos + NK.subkeyList, path });
      return out;
    }
    if (!this.claim(list, Claim.subkeyList, path)) return out;
    const pos = this.space.cell(list, "subkey list");
    const kind = this.space.signature(pos);
    const leaves: number[] = [];
    if (kind === "ri") {
      const count = this.space.u16(pos + SUBKEY_LIST.count);
      if (4 + count * 4 > this.capacity(list)) throw new RegfError("bad-subkey-list", `index root claims ${count} leaves beyond its cell`, { offset: pos });
      for (let i = 0; i < count; i++) {
        const leaf = this.space.u32(pos + SUBKEY_LIST.elements + 4 * i);
        if (this.claim(leaf, Claim.indexLeaf, path)) leaves.push(leaf);
      }
      if (count === 0) this.report.error("empty-index-root", "index root with no leaves", { offset: pos, path });
    } else {
      leaves.push(list);
    }
    let previous: string | undefined;
    for (const leaf of leaves) {
      const lpos = this.space.cell(leaf, "subkey leaf");
      const lkind = this.space.signature(lpos);
      if (lkind !== "li" && lkind !== "lf" && lkind !== "lh") {
        this.report.error("bad-subkey-list", `${lkind === "ri" ? "index root inside an index root" : `unknown list ${JSON.stringify(lkind)}`} at ${hex(leaf)}`, { offset: lpos, path });
        continue;
      }
      const count = this.space.u16(lpos + SUBKEY_LIST.count);
      const size = ELEMENT_SIZE[lkind];
      if (4 + count * size > this.capacity(leaf)) {
        this.report.error("bad-subkey-list", `subkey list claims ${count} entries beyond its cell`, { offset: lpos, path });
        continue;
      }
      for (let i = 0; i < count; i++) {
        const at = lpos + SUBKEY_LIST.elements + i * size;
        const child = this.space.u32(at);
        let name: string;
        try {
          name = readNk(this.space, child).name;
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
          this.report.error(err.code, `subkey entry ${i}: ${err.message}`, { offset: at, path });
          continue;
        }
        if (lkind === "lh" && this.space.u32(at + 4) !== lhHash(name)) {
          this.report.error("bad-hash", `lh hash of ${JSON.stringify(name)} is ${hex(this.space.u32(at + 4))}, expected ${hex(lhHash(name))}`, { offset: at + 4, path });
        }
        if (lkind === "lf" && this.space.u32(at + 4) !== lfHint(name) && !hintMatchesLoosely(this.space.u32(at + 4), name)) {
          this.report.warn("bad-hint", `lf hint of ${JSON.stringify(name)} does not match its name`, { offset: at + 4, path });
        }
        if (previous !== undefined && compareNames(previous, name) >= 0) {
          this.report.error("unsorted-subkeys", `subkey ${JSON.stringify(name)} comes after ${JSON.stringify(previous)}: list not sorted by upper-case name`, { offset: at, path });
        }
        previous = name;
        out.push({ nk: child, name });
      }
    }
    return out;
  }

  private checkValues(list: number, count: number, path: string): void {
    if (count === 0) return;
    if (list === CELL_NONE || !this.claim(list, Claim.valueList, path)) return;
    if (count * 4 > this.capacity(list)) {
      this.report.error("bad-value-list", `value list cell holds ${this.capacity(list) >> 2} entries, key says ${count}`, { offset: HBINS_START + list, path });
      return;
    }
    const pos = HBINS_START + list + CELL_SIZE_FIELD;
    // Duplicate names need two values to exist.
    const seen = count > 1 ? new Set<string>() : undefined;
    for (let i = 0; i < count; i++) {
      const vkOffset = this.space.u32(pos + 4 * i);
      if (!this.claim(vkOffset, Claim.value, path, i)) continue;
      let vkPos: number;
      try {
        vkPos = vkPosition(this.space, vkOffset);
      } catch (err) {
        if (!(err instanceof P2vfixError)) throw err;
        this.report.error(err.code, err.message, { offset: HBINS_START + vkOffset, path });
        continue;
      }
      this.stats.values++;
      // The name is decoded only when needed: for the duplicate test or a message.
      if (seen) {
        const decoded = this.valueName(vkPos);
        const upper = upcaseName(decoded);
        if (seen.has(upper)) this.report.warn("duplicate-value", `value ${JSON.stringify(decoded)} appears twice`, { offset: vkPos, path });
        seen.add(upper);
      }
      this.checkValueData(this.space.u32(vkPos + VK.dataSize), this.space.u32(vkPos + VK.dataOffset), vkPos, path);
    }
  }

  private valueName(vkPos: number): string {
    return decodeName(this.space.bytes, vkPos + VK.name, this.space.u16(vkPos + VK.nameLength), (this.space.u16(vkPos + VK.flags) & ValueFlags.COMP_NAME) !== 0);
  }

  /** What a claimed cell is, for a message (built only when one is reported). */
  private describe(kind: Claim, path: string, index: number, vkPos: number): string {
    const key = JSON.stringify(path);
    const data = () => `data of value ${JSON.stringify(this.valueName(vkPos))} in ${key}`;
    switch (kind) {
      case Claim.keyNode:
        return `key node of ${key}`;
      case Claim.className:
        return `class name of ${key}`;
      case Claim.subkeyList:
        return `subkey list of ${key}`;
      case Claim.indexLeaf:
        return `index leaf of ${key}`;
      case Claim.valueList:
        return `value list of ${key}`;
      case Claim.value:
        return `value ${index} of ${key}`;
      case Claim.data:
        return data();
      case Claim.segmentList:
        return `segment list of ${data()}`;
      case Claim.segment:
        return `segment ${index} of ${data()}`;
    }
  }

  private checkValueData(sizeField: number, dataOffset: number, vkPos: number, path: string): void {
    const size = sizeField & 0x7fffffff;
    if ((sizeField & VK_DATA_INLINE) !== 0) {
      if (size > 4) this.report.error("bad-value-data", `value ${JSON.stringify(this.valueName(vkPos))} claims ${size} inline bytes`, { path });
      return;
    }
    if (size === 0) return;
    const what = () => this.describe(Claim.data, path, 0, vkPos);
    if (!this.claim(dataOffset, Claim.data, path, 0, vkPos)) return;
    const pos = HBINS_START + dataOffset + CELL_SIZE_FIELD;
    const cap = this.capacity(dataOffset);
    const isDb = this.base.minorVersion >= BIG_DATA_MIN_MINOR_VERSION && size > BIG_DATA_SEGMENT_SIZE && cap >= 8 && this.space.signature(pos) === "db";
    if (!isDb) {
      if (size > cap) this.report.error("bad-value-data", `${what()}: ${size} bytes do not fit its ${cap}-byte cell`, { offset: pos, path });
      return;
    }
    const segments = this.space.u16(pos + DB.segmentCount);
    const segList = this.space.u32(pos + DB.segmentList);
    if (segments * BIG_DATA_SEGMENT_SIZE < size) this.report.error("bad-big-data", `${what()}: ${segments} segments cannot hold ${size} bytes`, { offset: pos, path });
    if (!this.claim(segList, Claim.segmentList, path, 0, vkPos)) return;
    if (segments * 4 > this.capacity(segList)) {
      this.report.error("bad-big-data", `${what()}: segment list too small for ${segments} segments`, { offset: HBINS_START + segList, path });
      return;
    }
    let left = size;
    for (let i = 0; i < segments; i++) {
      const seg = this.space.u32(HBINS_START + segList + CELL_SIZE_FIELD + 4 * i);
      if (!this.claim(seg, Claim.segment, path, i, vkPos)) continue;
      const need = Math.min(left, BIG_DATA_SEGMENT_SIZE);
      if (need > this.capacity(seg)) this.report.error("bad-big-data", `${what()}: segment ${i} holds ${this.capacity(seg)} bytes, ${need} needed`, { offset: HBINS_START + seg, path });
      left -= need;
    }
  }

  private checkSecurityList(): void {
    const root = this.skRefs.size > 0 ? readRootSecurity(this.space, this.base.rootCellOffset) : undefined;
    const inList = new Set<number>();
    if (root !== undefined && this.isCell(root)) {
      let sk = root;
      let previous: number | undefined;
      for (let guard = 0; guard <= this.stats.allocatedCells; guard++) {
        if (!this.isCell(sk)) {
          this.report.error("bad-security-list", `security list points to ${hex(sk)}, not an allocated cell`, { offset: HBINS_START + sk });
          break;
        }
        let rec;
        try {
          rec = readSk(this.space, sk);
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
          this.report.error(err.code, err.message, { offset: HBINS_START + sk });
          break;
        }
        if (previous !== undefined && rec.blink !== previous) {
          this.report.error("bad-security-list", `security record ${hex(sk)} links back to ${hex(rec.blink)}, not ${hex(previous)}`, { offset: rec.pos + SK.blink });
        }
        inList.add(sk);
        previous = sk;
        sk = rec.flink;
        if (sk === root) {
          const first = readSk(this.space, root);
          if (first.blink !== previous) this.report.error("bad-security-list", `first security record links back to ${hex(first.blink)}, not the last ${hex(previous)}`, { offset: first.pos + SK.blink });
          break;
        }
        if (inList.has(sk)) {
          this.report.error("bad-security-list", `security list loops at ${hex(sk)} without coming back to its start`, { offset: HBINS_START + sk });
          break;
        }
      }
    }
    this.stats.securityRecords = inList.size;
    for (const sk of inList) {
      if (this.cells[sk / 8] < 0) {
        this.report.error("shared-cell", `security record ${hex(sk)} is also used by the key node at ${hex(ownerOf(this.cells[sk / 8]))}`, { offset: HBINS_START + sk });
        continue;
      }
      this.cells[sk / 8] = CLAIMED_BY_SECURITY_LIST;
      const stored = this.view.getUint32(HBINS_START + sk + CELL_SIZE_FIELD + SK.referenceCount, true);
      const counted = this.skRefs.get(sk) ?? 0;
      if (stored < counted) {
        this.report.error("bad-reference-count", `security record ${hex(sk)} counts ${stored} references, ${counted} keys use it`, { offset: HBINS_START + sk + CELL_SIZE_FIELD + SK.referenceCount });
      } else if (stored > counted) {
        this.report.warn("surplus-reference-count", `security record ${hex(sk)} counts ${stored} references, ${counted} keys on disk use it`, { offset: HBINS_START + sk + CELL_SIZE_FIELD + SK.referenceCount });
      }
    }
    for (const [sk] of this.skRefs) {
      if (!inList.has(sk)) this.report.error("security-not-listed", `security record ${hex(sk)} is used by keys but is not on the security list`, { offset: HBINS_START + sk });
    }
  }

  private checkLeaks(): void {
    const sample: string[] = [];
    for (let i = 0; i < this.cells.length; i++) {
      const size = this.cells[i];
      if (size <= 0) continue;
      const offset = i * 8;
      this.stats.leakedCells++;
      this.stats.leakedBytes += size;
      if (sample.length < 5) sample.push(hex(offset));
    }
    if (this.stats.leakedCells > 0) {
      this.report.warn("leaked-cells", `${this.stats.leakedCells} allocated cells (${this.stats.leakedBytes} bytes) are not reachable from the root (e.g. ${sample.join(", ")})`);
    }
  }
}

/** The mark of a cell claimed by the security list. */
const CLAIMED_BY_SECURITY_LIST = -1;
/** The mark of a cell claimed by a structure of the key node at `key` (a cell offset, >= 0). */
const ownerMark = (key: number): number => -(key + 2);
/** The key node offset a mark names. */
const ownerOf = (mark: number): number => -mark - 2;

function readRootSecurity(space: CellSpace, root: number): number | undefined {
  try {
    const sk = readNk(space, root).security;
    return sk === CELL_NONE ? undefined : sk;
  } catch {
    return undefined;
  }
}

/** Older Windows versions store the hint in other ways (e.g. upper case); accept those. */
function hintMatchesLoosely(hint: number, name: string): boolean {
  return hint === lfHint(upcaseName(name.slice(0, 4)));
}
