/**
 * Update sequence array ("multi-sector transfer protection") used by FILE, INDX and RSTR
 * records: the last two bytes of every 512-byte stride hold the update sequence number, and
 * the real bytes are kept in the array. A mismatch means a torn write.
 */
import { NtfsError } from "../../errors.js";
import { ntfsReader } from "./ntfs-reader.js";

export const FIXUP_STRIDE = 512;

/** Where the record's update sequence array lies, checked against the record's size. */
function updateSequenceArray(record: Uint8Array, base: number, what: string): { usaOffset: number; strides: number } {
  // Every record and index buffer is read through here: plain byte reads, a byte reader only for the error.
  if (record.length < 8) {
    const reader = ntfsReader(record, base);
    reader.u16(4);
    reader.u16(6);
  }
  const usaOffset = record[4] | (record[5] << 8);
  const usaCount = record[6] | (record[7] << 8);
  const strides = usaCount - 1;
  if (usaCount < 2 || strides * FIXUP_STRIDE > record.length || usaOffset % 2 !== 0 || usaOffset < 8) {
    throw new NtfsError("bad-fixup", `${what}: update sequence array (offset ${usaOffset}, count ${usaCount}) does not fit a ${record.length}-byte record`, { offset: base + 4 });
  }
  if (usaOffset + usaCount * 2 > record.length) ntfsReader(record, base).check(usaOffset, usaCount * 2, `${what} update sequence array`);
  return { usaOffset, strides };
}

/**
 * Returns `record` with the fixups applied; throws on a torn record. A copy, unless `inPlace`:
 * for a buffer fresh from a read that nothing else holds (a copy of each of a 1,500-file
 * copy's records cost ~3 ms of its verify).
 */
export function applyFixups(record: Uint8Array, base: number, what: string, inPlace = false): Uint8Array {
  const { usaOffset, strides } = updateSequenceArray(record, base, what);
  // In place only when the array lies before the first stride's end, so no write lands on an entry still to be read.
  const out = inPlace && usaOffset + 2 * (strides + 1) <= FIXUP_STRIDE - 2 ? record : record.slice();
  const usn = record[usaOffset] | (record[usaOffset + 1] << 8);
  for (let i = 0; i < strides; i++) {
    const end = (i + 1) * FIXUP_STRIDE - 2;
    const stored = out[end] | (out[end + 1] << 8);
    if (stored !== usn) {
      throw new NtfsError("torn-record", `${what}: sector ${i} ends with 0x${stored.toString(16)}, expected update sequence number 0x${usn.toString(16)} (torn write)`, { offset: base + end, expected: usn, actual: stored });
    }
    out[end] = record[usaOffset + 2 + 2 * i];
    out[end + 1] = record[usaOffset + 3 + 2 * i];
  }
  return out;
}

/**
 * Returns a copy of the fixed-up `record` ready to be written: the update sequence number is
 * incremented (skipping 0 and 0xFFFF, as ntfs-3g's pre-write fixup does), each stride's last
 * two bytes move into the array and the new number takes their place.
 */
export function protectRecord(record: Uint8Array, base: number, what: string): Uint8Array {
  const { usaOffset, strides } = updateSequenceArray(record, base, what);
  const out = record.slice();
  let usn = ((record[usaOffset] | (record[usaOffset + 1] << 8)) + 1) & 0xffff;
  if (usn === 0 || usn === 0xffff) usn = 1;
  out[usaOffset] = usn & 0xff;
  out[usaOffset + 1] = usn >> 8;
  for (let i = 0; i < strides; i++) {
    const end = (i + 1) * FIXUP_STRIDE - 2;
    out[usaOffset + 2 + 2 * i] = out[end];
    out[usaOffset + 3 + 2 * i] = out[end + 1];
    out[end] = usn & 0xff;
    out[end + 1] = usn >> 8;
  }
  return out;
}
