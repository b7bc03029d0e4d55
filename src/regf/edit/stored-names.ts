/**
 * Key and value names as the editor stores and reads them: Latin-1 ("compressed", flagged
 * COMP_NAME) when every UTF-16 unit fits in a byte, as Windows stores them, else UTF-16LE.
 * Decoding is cells/cell.ts's decodeName, the one the reader uses.
 */
import { RegfError } from "../../errors.js";
import { decodeName } from "../cells/cell.js";
import { KeyFlags, NK, NK_FIXED_SIZE } from "../cells/nk.js";
import { ValueFlags, VK, VK_FIXED_SIZE } from "../cells/vk.js";
import type { CellAllocator } from "./allocator.js";

export interface EncodedName {
  bytes: Uint8Array;
  compressed: boolean;
}

/** Whether `name` is stored compressed (every unit fits in a byte). */
export function fitsLatin1(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Bytes `name` takes when stored compressed or not. */
export function storedNameLength(name: string, compressed: boolean): number {
  return compressed ? name.length : 2 * name.length;
}

/** Writes `name` straight into `bytes` at `pos`, compressed or UTF-16LE; returns its byte length. */
export function writeName(bytes: Uint8Array, pos: number, name: string, compressed: boolean): number {
  if (compressed) {
    for (let i = 0; i < name.length; i++) bytes[pos + i] = name.charCodeAt(i);
    return name.length;
  }
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    bytes[pos + 2 * i] = unit & 0xff;
    bytes[pos + 2 * i + 1] = unit >>> 8;
  }
  return 2 * name.length;
}

/** `name` as it is stored: compressed when it can be. */
export function encodeName(name: string): EncodedName {
  const compressed = fitsLatin1(name);
  const bytes = new Uint8Array(storedNameLength(name, compressed));
  writeName(bytes, 0, name, compressed);
  return { bytes, compressed };
}

/** The name of the key node at cell offset `nk`. */
export function readKeyName(cells: CellAllocator, nk: number): string {
  const pos = cells.pos(nk);
  const length = cells.view.getUint16(pos + NK.nameLength, true);
  const compressed = (cells.view.getUint16(pos + NK.flags, true) & KeyFlags.COMP_NAME) !== 0;
  if (NK_FIXED_SIZE + length > cells.capacity(nk)) throw new RegfError("bad-key-node", `key node name runs past its cell`, { offset: pos });
  return decodeName(cells.bytes, pos + NK.name, length, compressed);
}

/** The name of the value at cell offset `vk` ("" for the default value). */
export function readValueName(cells: CellAllocator, vk: number): string {
  const pos = cells.pos(vk);
  const length = cells.view.getUint16(pos + VK.nameLength, true);
  const compressed = (cells.view.getUint16(pos + VK.flags, true) & ValueFlags.COMP_NAME) !== 0;
  if (VK_FIXED_SIZE + length > cells.capacity(vk)) throw new RegfError("bad-value", `value name runs past its cell`, { offset: pos });
  return decodeName(cells.bytes, pos + VK.name, length, compressed);
}
