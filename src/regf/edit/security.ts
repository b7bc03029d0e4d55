/**
 * Security records (sk): shared by many keys, counted by reference, and linked into one
 * circular list (flink/blink) that starts at the root key's record.
 */
import { RegfError } from "../../errors.js";
import { SK, SK_FIXED_SIZE, SK_SIGNATURE } from "../cells/sk.js";
import type { CellAllocator } from "./allocator.js";
import { sameBytes } from "../../util/same-bytes.js";

export function addSecurityRef(cells: CellAllocator, sk: number): void {
  const pos = cells.pos(sk) + SK.referenceCount;
  cells.view.setUint32(pos, cells.view.getUint32(pos, true) + 1, true);
}

/** Drops one reference; at zero the record leaves the list and its cell is freed. */
export function releaseSecurity(cells: CellAllocator, sk: number): void {
  const pos = cells.pos(sk);
  const refs = cells.view.getUint32(pos + SK.referenceCount, true);
  if (refs > 1) {
    cells.view.setUint32(pos + SK.referenceCount, refs - 1, true);
    return;
  }
  const flink = cells.view.getUint32(pos + SK.flink, true);
  const blink = cells.view.getUint32(pos + SK.blink, true);
  if (flink === sk) {
    // The last record of the hive: keep it (only the root's can be the last, and the root stays).
    cells.view.setUint32(pos + SK.referenceCount, 0, true);
    return;
  }
  cells.view.setUint32(cells.pos(blink) + SK.flink, flink, true);
  cells.view.setUint32(cells.pos(flink) + SK.blink, blink, true);
  cells.free(sk);
}

/**
 * The record holding exactly `descriptor`, found on the list that runs through `head`, or a
 * new one (reference count 0) linked in before `head` (at the list's end). `head` undefined:
 * the new record is a list of its own.
 */
export function findOrAddSecurity(cells: CellAllocator, head: number | undefined, descriptor: Uint8Array): number {
  if (head !== undefined) {
    let sk = head;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const pos = cells.pos(sk);
      const size = cells.view.getUint32(pos + SK.descriptorSize, true);
      if (size === descriptor.length && sameBytes(cells.bytes.subarray(pos + SK.descriptor, pos + SK.descriptor + size), descriptor)) return sk;
      sk = cells.view.getUint32(pos + SK.flink, true);
      if (sk === head) break;
      if (guard === 999_999) throw new RegfError("security-list-loop", "security record list does not come back to its start");
    }
  }
  const sk = cells.alloc(SK_FIXED_SIZE + descriptor.length);
  const cellPos = cells.pos(sk);
  cells.bytes[cellPos] = SK_SIGNATURE.charCodeAt(0);
  cells.bytes[cellPos + 1] = SK_SIGNATURE.charCodeAt(1);
  cells.view.setUint32(cellPos + SK.descriptorSize, descriptor.length, true);
  cells.bytes.set(descriptor, cellPos + SK.descriptor);
  if (head === undefined) {
    cells.view.setUint32(cellPos + SK.flink, sk, true);
    cells.view.setUint32(cellPos + SK.blink, sk, true);
  } else {
    const last = cells.view.getUint32(cells.pos(head) + SK.blink, true);
    cells.view.setUint32(cellPos + SK.flink, head, true);
    cells.view.setUint32(cellPos + SK.blink, last, true);
    cells.view.setUint32(cells.pos(last) + SK.flink, sk, true);
    cells.view.setUint32(cells.pos(head) + SK.blink, sk, true);
  }
  return sk;
}

/**
 * A default self-relative security descriptor for a new hive's root: owner Administrators,
 * group SYSTEM, DACL: SYSTEM and Administrators full control, Users read (all inherited by
 * subkeys).
 */
export function defaultSecurityDescriptor(): Uint8Array {
  const sid = (authority: number, ...subs: number[]): number[] => {
    const out = [1, subs.length, 0, 0, 0, 0, 0, authority];
    for (const sub of subs) out.push(sub & 0xff, (sub >>> 8) & 0xff, (sub >>> 16) & 0xff, (sub >>> 24) & 0xff);
    return out;
  };
  const system = sid(5, 18);
  const admins = sid(5, 32, 544);
  const users = sid(5, 32, 545);
  const u32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
  const u16 = (value: number) => [value & 0xff, (value >>> 8) & 0xff];
  const CONTAINER_INHERIT = 0x02;
  const ace = (mask: number, who: number[]) => [0 /* ACCESS_ALLOWED */, CONTAINER_INHERIT, ...u16(8 + who.length), ...u32(mask), ...who];
  const aces = [...ace(0xf003f, system), ...ace(0xf003f, admins), ...ace(0x20019, users)];
  const acl = [2, 0, ...u16(8 + aces.length), ...u16(3), 0, 0, ...aces];
  const header = 20;
  const ownerAt = header + acl.length;
  const groupAt = ownerAt + admins.length;
  const SE_DACL_PRESENT = 0x0004;
  const SE_SELF_RELATIVE = 0x8000;
  const sd = [1, 0, ...u16(SE_DACL_PRESENT | SE_SELF_RELATIVE), ...u32(ownerAt), ...u32(groupAt), ...u32(0), ...u32(header), ...acl, ...admins, ...system];
  return Uint8Array.from(sd);
}
