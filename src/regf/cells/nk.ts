/**
 * Key node ("nk"). Layout after the cell size field (offsets below are from the signature):
 * flags u16 @2, last written FILETIME @4, access bits u32 @12, parent @16, subkey count @20,
 * volatile subkey count @24, subkey list @28, volatile subkey list @32, value count @36,
 * value list @40, security (sk) @44, class name @48, largest subkey name length @52 (its
 * high bits carry virtualization/user flags since Windows 7), largest subkey class length @56,
 * largest value name length @60, largest value data size @64, work var @68, name length u16
 * @72, class name length u16 @74, name @76 (Latin-1 if KEY_COMP_NAME, else UTF-16LE).
 */
import { RegfError } from "../../errors.js";
import { decodeName, type CellSpace } from "./cell.js";

export const NK_SIGNATURE = "nk";
export const NK = {
  signature: 0,
  flags: 2,
  lastWritten: 4,
  accessBits: 12,
  parent: 16,
  subkeyCount: 20,
  volatileSubkeyCount: 24,
  subkeyList: 28,
  volatileSubkeyList: 32,
  valueCount: 36,
  valueList: 40,
  security: 44,
  className: 48,
  maxSubkeyNameLength: 52,
  maxSubkeyClassLength: 56,
  maxValueNameLength: 60,
  maxValueDataSize: 64,
  workVar: 68,
  nameLength: 72,
  classNameLength: 74,
  name: 76,
} as const;
export const NK_FIXED_SIZE = 76;

export const KeyFlags = {
  VOLATILE: 0x0001,
  /** Mount point of another hive (only in memory). */
  HIVE_EXIT: 0x0002,
  /** Root key of the hive. */
  HIVE_ENTRY: 0x0004,
  NO_DELETE: 0x0008,
  SYM_LINK: 0x0010,
  /** Name is stored as Latin-1 ("compressed"), one byte per character. */
  COMP_NAME: 0x0020,
  PREDEF_HANDLE: 0x0040,
  VIRTUAL_SOURCE: 0x0080,
  VIRTUAL_TARGET: 0x0100,
  VIRTUAL_STORE: 0x0200,
} as const;

export interface NkRecord {
  /** Cell offset (relative to the hive bins data). */
  offset: number;
  /** File position of the signature. */
  pos: number;
  flags: number;
  parent: number;
  subkeyCount: number;
  subkeyList: number;
  valueCount: number;
  valueList: number;
  security: number;
  className: number;
  classNameLength: number;
  name: string;
}

/**
 * File position of the key node at `offset` (its signature), after every check `readNk` makes:
 * for walks that read the fields they need straight from the bytes.
 */
export function nkPosition(space: CellSpace, offset: number): number {
  let pos = space.tryCell(offset);
  if (pos < 0) pos = space.cell(offset, "key node");
  const length = space.dataLength(pos);
  const bytes = space.bytes;
  // "nk" = 0x6e 0x6b
  if (length < NK_FIXED_SIZE || bytes[pos] !== 0x6e || bytes[pos + 1] !== 0x6b) {
    throw new RegfError("bad-key-node", `cell at 0x${offset.toString(16)} is not a key node (nk)`, { offset: pos });
  }
  const nameLength = bytes[pos + NK.nameLength] | (bytes[pos + NK.nameLength + 1] << 8);
  if (NK_FIXED_SIZE + nameLength > length) {
    throw new RegfError("bad-key-node", `key node name (${nameLength} bytes) runs past its cell`, { offset: pos + NK.nameLength });
  }
  return pos;
}

export function readNk(space: CellSpace, offset: number): NkRecord {
  const pos = nkPosition(space, offset);
  const flags = space.u16(pos + NK.flags);
  const nameLength = space.u16(pos + NK.nameLength);
  return {
    offset,
    pos,
    flags,
    parent: space.u32(pos + NK.parent),
    subkeyCount: space.u32(pos + NK.subkeyCount),
    subkeyList: space.u32(pos + NK.subkeyList),
    valueCount: space.u32(pos + NK.valueCount),
    valueList: space.u32(pos + NK.valueList),
    security: space.u32(pos + NK.security),
    className: space.u32(pos + NK.className),
    classNameLength: space.u16(pos + NK.classNameLength),
    name: decodeName(space.bytes, pos + NK.name, nameLength, (flags & KeyFlags.COMP_NAME) !== 0),
  };
}
