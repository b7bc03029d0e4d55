/**
 * Key security ("sk"). From the signature: reserved u16 @2, flink @4, blink @8 (a circular
 * list of all sk cells), reference count @12, descriptor size @16, self-relative
 * SECURITY_DESCRIPTOR @20.
 */
import { RegfError } from "../../errors.js";
import type { CellSpace } from "./cell.js";

export const SK_SIGNATURE = "sk";
export const SK = { signature: 0, reserved: 2, flink: 4, blink: 8, referenceCount: 12, descriptorSize: 16, descriptor: 20 } as const;
export const SK_FIXED_SIZE = 20;

export interface SkRecord {
  offset: number;
  pos: number;
  flink: number;
  blink: number;
  referenceCount: number;
  descriptor: Uint8Array;
}

export function readSk(space: CellSpace, offset: number): SkRecord {
  const pos = space.cell(offset, "security");
  const length = space.dataLength(pos);
  if (length < SK_FIXED_SIZE || space.signature(pos) !== SK_SIGNATURE) {
    throw new RegfError("bad-security", `cell at 0x${offset.toString(16)} is not a security record (sk)`, { offset: pos });
  }
  const size = space.u32(pos + SK.descriptorSize);
  if (SK_FIXED_SIZE + size > length) {
    throw new RegfError("bad-security", `security descriptor (${size} bytes) runs past its cell`, { offset: pos + SK.descriptorSize });
  }
  return {
    offset,
    pos,
    flink: space.u32(pos + SK.flink),
    blink: space.u32(pos + SK.blink),
    referenceCount: space.u32(pos + SK.referenceCount),
    descriptor: space.bytes.subarray(pos + SK.descriptor, pos + SK.descriptor + size),
  };
}
