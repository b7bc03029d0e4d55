/**
 * Key value ("vk"). Layout from the signature: name length u16 @2, data size u32 @4 (high bit
 * set: the data, at most 4 bytes, sits in the data offset field itself), data offset @8,
 * type u32 @12, flags u16 @16 (VALUE_COMP_NAME: Latin-1 name), spare u16 @18, name @20.
 */
import { RegfError } from "../../errors.js";
import { decodeName, type CellSpace } from "./cell.js";

export const VK_SIGNATURE = "vk";
export const VK = { signature: 0, nameLength: 2, dataSize: 4, dataOffset: 8, type: 12, flags: 16, spare: 18, name: 20 } as const;
export const VK_FIXED_SIZE = 20;
export const VK_DATA_INLINE = 0x80000000;
export const VK_INLINE_MAX = 4;

export const ValueFlags = {
  COMP_NAME: 0x0001,
  /** Layered-key (delta) hives: the value is deleted in this layer. */
  IS_TOMBSTONE: 0x0002,
} as const;

export interface VkRecord {
  offset: number;
  pos: number;
  name: string;
  /** Data size with the inline bit removed. */
  dataSize: number;
  inline: boolean;
  dataOffset: number;
  type: number;
  flags: number;
}

/** File position of the value at `offset` (its signature), after every check `readVk` makes. */
export function vkPosition(space: CellSpace, offset: number): number {
  let pos = space.tryCell(offset);
  if (pos < 0) pos = space.cell(offset, "value");
  const length = space.dataLength(pos);
  const bytes = space.bytes;
  // "vk" = 0x76 0x6b
  if (length < VK_FIXED_SIZE || bytes[pos] !== 0x76 || bytes[pos + 1] !== 0x6b) {
    throw new RegfError("bad-value", `cell at 0x${offset.toString(16)} is not a value (vk)`, { offset: pos });
  }
  const nameLength = bytes[pos + VK.nameLength] | (bytes[pos + VK.nameLength + 1] << 8);
  if (VK_FIXED_SIZE + nameLength > length) {
    throw new RegfError("bad-value", `value name (${nameLength} bytes) runs past its cell`, { offset: pos + VK.nameLength });
  }
  return pos;
}

export function readVk(space: CellSpace, offset: number): VkRecord {
  const pos = vkPosition(space, offset);
  const nameLength = space.u16(pos + VK.nameLength);
  const rawSize = space.u32(pos + VK.dataSize);
  const flags = space.u16(pos + VK.flags);
  return {
    offset,
    pos,
    name: decodeName(space.bytes, pos + VK.name, nameLength, (flags & ValueFlags.COMP_NAME) !== 0),
    dataSize: rawSize & 0x7fffffff,
    inline: (rawSize & VK_DATA_INLINE) !== 0,
    dataOffset: space.u32(pos + VK.dataOffset),
    type: space.u32(pos + VK.type),
    flags,
  };
}
