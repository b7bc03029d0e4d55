/** Value list: a plain cell of u32 vk offsets; its length comes from the key node's value count. */
import { RegfError } from "../../errors.js";
import { CELL_NONE, type CellSpace } from "./cell.js";

/** File position of a key's value list checked for `count` entries; -1 when there is none. */
export function valueListPosition(space: CellSpace, listOffset: number, count: number): number {
  if (count === 0 || listOffset === CELL_NONE) return -1;
  const pos = space.cell(listOffset, "value list");
  if (count * 4 > space.dataLength(pos)) {
    throw new RegfError("bad-value-list", `value list holds ${space.dataLength(pos) >> 2} entries but the key says ${count}`, { offset: pos });
  }
  return pos;
}

export function readValueList(space: CellSpace, listOffset: number, count: number): number[] {
  const pos = valueListPosition(space, listOffset, count);
  if (pos < 0) return [];
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = space.u32(pos + 4 * i);
  return out;
}
