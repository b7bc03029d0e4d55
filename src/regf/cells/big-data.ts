/**
 * Big data ("db", hive version 1.4+): value data over 16344 bytes is split into segments.
 * From the signature: segment count u16 @2, offset of the segment list @4 (a cell of u32
 * offsets); each segment cell holds up to 16344 data bytes.
 */
import { RegfError } from "../../errors.js";
import type { CellSpace } from "./cell.js";

export const DB_SIGNATURE = "db";
export const DB = { signature: 0, segmentCount: 2, segmentList: 4 } as const;
export const DB_FIXED_SIZE = 8;
/** Largest value stored without big data, and the data bytes per big data segment. */
export const BIG_DATA_SEGMENT_SIZE = 16344;
/** Big data records exist from hive format 1.4 on. */
export const BIG_DATA_MIN_MINOR_VERSION = 4;

export function isBigDataCell(space: CellSpace, pos: number, length: number): boolean {
  return length >= DB_FIXED_SIZE && space.signature(pos) === DB_SIGNATURE;
}

/** Assembles `size` bytes from the db record whose cell data starts at `pos`. */
export function readBigData(space: CellSpace, pos: number, size: number): Uint8Array {
  const count = space.u16(pos + DB.segmentCount);
  const listOffset = space.u32(pos + DB.segmentList);
  if (count * BIG_DATA_SEGMENT_SIZE < size) {
    throw new RegfError("bad-big-data", `big data has ${count} segments, too few for ${size} bytes`, { offset: pos + DB.segmentCount });
  }
  const listPos = space.cell(listOffset, "big data segment list");
  if (count * 4 > space.dataLength(listPos)) {
    throw new RegfError("bad-big-data", `big data segment list is too small for ${count} segments`, { offset: listPos });
  }
  const out = new Uint8Array(size);
  let done = 0;
  // Distinct segments only: a hostile list repeating one segment would otherwise make a
  // hive of a few kilobytes decode to a gigabyte.
  const seen = new Set<number>();
  for (let i = 0; i < count && done < size; i++) {
    const segOffset = space.u32(listPos + 4 * i);
    if (seen.has(segOffset)) {
      throw new RegfError("bad-big-data", `big data segment 0x${segOffset.toString(16)} is listed twice`, { offset: listPos + 4 * i });
    }
    seen.add(segOffset);
    const segPos = space.cell(segOffset, "big data segment");
    const take = Math.min(size - done, BIG_DATA_SEGMENT_SIZE);
    if (take > space.dataLength(segPos)) {
      throw new RegfError("bad-big-data", `big data segment ${i} holds ${space.dataLength(segPos)} bytes, ${take} needed`, { offset: segPos });
    }
    out.set(space.bytes.subarray(segPos, segPos + take), done);
    done += take;
  }
  return out;
}
