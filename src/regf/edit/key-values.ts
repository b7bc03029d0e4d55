/**
 * The values of key nodes as the editor changes them: the value list (u32 vk offsets), lookup
 * by name as Windows compares names, set (new vk, or new data for an existing one) and delete.
 * A key that gets many values one after another (a bulk import) gets a name index, so setting
 * them is not quadratic.
 */
import { RegfError } from "../../errors.js";
import { CELL_NONE } from "../cells/cell.js";
import { NK } from "../cells/nk.js";
import { VK, VK_FIXED_SIZE, ValueFlags } from "../cells/vk.js";
import { upcaseName, namesEqual } from "../names.js";
import type { CellAllocator } from "./allocator.js";
import type { KeyNodeFields } from "./key-node-fields.js";
import { fitsLatin1, readValueName, storedNameLength, writeName } from "./stored-names.js";
import { listHeadroom } from "./subkey-index.js";
import { freeData, storeData } from "./value-data.js";

/** Keys with at least this many values get a name index while values are set on them. */
const VALUE_INDEX_MIN = 16;

export class KeyValues {
  /**
   * Upper-cased value names -> index in the value list, for the last key that got many values.
   * Forgotten by anything that removes values or key nodes.
   */
  private index: { nk: number; byName: Map<string, number> } | undefined;

  constructor(
    private readonly cells: CellAllocator,
    private readonly fields: KeyNodeFields,
  ) {}

  /** Forgets the name index (of key `nk` only, when given): its positions may no longer hold. */
  forget(nk?: number): void {
    if (nk === undefined || this.index?.nk === nk) this.index = undefined;
  }

  /** Cell offsets of the key's vk cells, in stored order. */
  offsets(nk: number): number[] {
    const count = this.fields.get(nk, NK.valueCount);
    const list = this.fields.get(nk, NK.valueList);
    if (count === 0 || list === CELL_NONE) return [];
    const pos = this.cells.pos(list);
    if (count * 4 > this.cells.capacity(list)) throw new RegfError("bad-value-list", `value list at 0x${list.toString(16)} is shorter than its ${count} entries`);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.cells.view.getUint32(pos + 4 * i, true);
    return out;
  }

  /** Where value `name` of key `nk` is: its index in the value list and its vk offset. */
  find(nk: number, name: string): { index: number; vk: number } | undefined {
    const indexed = this.index?.nk === nk ? this.index.byName : undefined;
    if (indexed) {
      const index = indexed.get(upcaseName(name));
      return index === undefined ? undefined : { index, vk: this.cells.view.getUint32(this.cells.pos(this.fields.get(nk, NK.valueList)) + 4 * index, true) };
    }
    const count = this.fields.get(nk, NK.valueCount);
    if (count === 0) return undefined;
    const offsets = this.offsets(nk);
    if (offsets.length >= VALUE_INDEX_MIN) {
      const byName = new Map<string, number>();
      for (let i = 0; i < offsets.length; i++) {
        const upper = upcaseName(readValueName(this.cells, offsets[i]));
        if (!byName.has(upper)) byName.set(upper, i);
      }
      this.index = { nk, byName };
      return this.find(nk, name);
    }
    for (let i = 0; i < offsets.length; i++) {
      // A stored name of another length (1 byte per character if compressed, else 2) cannot match.
      const stored = this.cells.view.getUint16(this.cells.pos(offsets[i]) + VK.nameLength, true);
      if (stored !== name.length && stored !== 2 * name.length) continue;
      if (namesEqual(readValueName(this.cells, offsets[i]), name)) return { index: i, vk: offsets[i] };
    }
    return undefined;
  }

  /** Sets value `name` of key `nk` to `type` and exactly `data`, adding it when missing. */
  set(nk: number, name: string, type: number, data: Uint8Array): void {
    const cells = this.cells;
    const existing = this.find(nk, name);
    let vk: number;
    if (existing) {
      vk = existing.vk;
      const pos = cells.pos(vk);
      freeData(cells, cells.view.getUint32(pos + VK.dataSize, true), cells.view.getUint32(pos + VK.dataOffset, true));
    } else {
      vk = this.addValueCell(nk, name);
    }
    const stored = storeData(cells, data);
    const pos = cells.pos(vk);
    cells.view.setUint32(pos + VK.dataSize, stored.sizeField, true);
    cells.view.setUint32(pos + VK.dataOffset, stored.offsetField, true);
    cells.view.setUint32(pos + VK.type, type, true);
    this.fields.raiseMax(nk, NK.maxValueDataSize, data.length);
    this.fields.touch(nk);
  }

  /** A new vk named `name` (no data yet), appended to the key's value list. */
  private addValueCell(nk: number, name: string): number {
    const cells = this.cells;
    const compressed = fitsLatin1(name);
    const nameLength = storedNameLength(name, compressed);
    const vk = cells.alloc(VK_FIXED_SIZE + nameLength);
    const pos = cells.pos(vk);
    cells.bytes[pos] = 0x76; // "v"
    cells.bytes[pos + 1] = 0x6b; // "k"
    cells.view.setUint16(pos + VK.nameLength, nameLength, true);
    cells.view.setUint16(pos + VK.flags, compressed && name.length > 0 ? ValueFlags.COMP_NAME : 0, true);
    writeName(cells.bytes, pos + VK.name, name, compressed);
    const count = this.fields.get(nk, NK.valueCount);
    const oldList = this.fields.get(nk, NK.valueList);
    const list = count === 0 || oldList === CELL_NONE ? cells.alloc(4) : cells.realloc(oldList, (count + 1) * 4, listHeadroom(count, 4));
    cells.view.setUint32(cells.pos(list) + 4 * count, vk, true);
    if (this.index?.nk === nk) this.index.byName.set(upcaseName(name), count);
    this.fields.set(nk, NK.valueList, list);
    this.fields.set(nk, NK.valueCount, count + 1);
    this.fields.raiseMax(nk, NK.maxValueNameLength, name.length * 2);
    return vk;
  }

  /** Deletes value `name` of key `nk`; false when there was none. */
  delete(nk: number, name: string): boolean {
    const found = this.find(nk, name);
    if (!found) return false;
    this.index = undefined;
    const cells = this.cells;
    this.freeValue(found.vk);
    const count = this.fields.get(nk, NK.valueCount);
    const list = this.fields.get(nk, NK.valueList);
    if (count === 1) {
      cells.free(list);
      this.fields.set(nk, NK.valueList, CELL_NONE);
    } else {
      const base = cells.pos(list);
      cells.bytes.copyWithin(base + 4 * found.index, base + 4 * (found.index + 1), base + 4 * count);
      cells.view.setUint32(base + 4 * (count - 1), 0, true);
    }
    this.fields.set(nk, NK.valueCount, count - 1);
    this.fields.touch(nk);
    return true;
  }

  /** Frees every value of key `nk` and its value list (the key node itself is being freed). */
  freeAll(nk: number): void {
    this.forget(nk);
    for (const vk of this.offsets(nk)) this.freeValue(vk);
    const list = this.fields.get(nk, NK.valueList);
    if (this.fields.get(nk, NK.valueCount) > 0 && list !== CELL_NONE) this.cells.free(list);
  }

  private freeValue(vk: number): void {
    const pos = this.cells.pos(vk);
    freeData(this.cells, this.cells.view.getUint32(pos + VK.dataSize, true), this.cells.view.getUint32(pos + VK.dataOffset, true));
    this.cells.free(vk);
  }
}
