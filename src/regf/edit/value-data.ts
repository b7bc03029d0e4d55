/**
 * Storing value data: up to 4 bytes inline in the vk record's data offset field, up to 16344
 * bytes (or any size in hives older than 1.4) in one cell, above that as big data: a db
 * record pointing to a list of segment cells of 16344 bytes each.
 */
import { BIG_DATA_MIN_MINOR_VERSION, BIG_DATA_SEGMENT_SIZE, DB, DB_SIGNATURE } from "../cells/big-data.js";
import { CELL_NONE } from "../cells/cell.js";
import { VK_DATA_INLINE, VK_INLINE_MAX } from "../cells/vk.js";
import type { CellAllocator } from "./allocator.js";

export interface StoredData {
  /** The vk data size field (inline bit included). */
  sizeField: number;
  /** The vk data offset field (the data itself when inline). */
  offsetField: number;
}

export function usesBigData(length: number, minorVersion: number): boolean {
  return minorVersion >= BIG_DATA_MIN_MINOR_VERSION && length > BIG_DATA_SEGMENT_SIZE;
}

export function storeData(cells: CellAllocator, data: Uint8Array): StoredData {
  if (data.length <= VK_INLINE_MAX) {
    let inline = 0;
    for (let i = 0; i < data.length; i++) inline |= data[i] << (8 * i);
    return { sizeField: (data.length | VK_DATA_INLINE) >>> 0, offsetField: inline >>> 0 };
  }
  if (!usesBigData(data.length, cells.minorVersion)) {
    const cell = cells.alloc(data.length);
    cells.bytes.set(data, cells.pos(cell));
    return { sizeField: data.length, offsetField: cell };
  }
  const segments = Math.ceil(data.length / BIG_DATA_SEGMENT_SIZE);
  const db = cells.alloc(DB.segmentList + 4 + 4);
  const list = cells.alloc(segments * 4);
  for (let i = 0; i < segments; i++) {
    const chunk = data.subarray(i * BIG_DATA_SEGMENT_SIZE, Math.min(data.length, (i + 1) * BIG_DATA_SEGMENT_SIZE));
    // 4 spare bytes, as in Windows' segments (16344 data bytes in a 16352-byte cell): hivex
    // and libregf take a segment's data as its cell size minus 8.
    const seg = cells.alloc(chunk.length + 4);
    cells.bytes.set(chunk, cells.pos(seg));
    cells.view.setUint32(cells.pos(list) + 4 * i, seg, true);
  }
  const pos = cells.pos(db);
  cells.bytes[pos] = DB_SIGNATURE.charCodeAt(0);
  cells.bytes[pos + 1] = DB_SIGNATURE.charCodeAt(1);
  cells.view.setUint16(pos + DB.segmentCount, segments, true);
  cells.view.setUint32(pos + DB.segmentList, list, true);
  return { sizeField: data.length, offsetField: db };
}

/** The cells holding a value's data (for freeing and for the structural check). */
export function dataCells(cells: CellAllocator, sizeField: number, offsetField: number): number[] {
  const size = sizeField & 0x7fffffff;
  if ((sizeField & VK_DATA_INLINE) !== 0 || size === 0 || offsetField === CELL_NONE) return [];
  const pos = cells.pos(offsetField);
  const isDb = usesBigData(size, cells.minorVersion) && cells.bytes[pos] === 0x64 && cells.bytes[pos + 1] === 0x62 && cells.capacity(offsetField) >= 8;
  if (!isDb) return [offsetField];
  const count = cells.view.getUint16(pos + DB.segmentCount, true);
  const list = cells.view.getUint32(pos + DB.segmentList, true);
  const out = [offsetField, list];
  for (let i = 0; i < count; i++) out.push(cells.view.getUint32(cells.pos(list) + 4 * i, true));
  return out;
}

export function freeData(cells: CellAllocator, sizeField: number, offsetField: number): void {
  for (const cell of dataCells(cells, sizeField, offsetField)) cells.free(cell);
}
