/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of every VHDX structure. */
import { crc32c } from "../../util/crc32.js";

export { crc32c };

/** CRC-32C of `bytes` with the 4-byte checksum field at `fieldOffset` taken as zero. */
export function crc32cWithZeroedField(bytes: Uint8Array, fieldOffset: number): number {
  const copy = bytes.slice();
  copy.fill(0, fieldOffset, fieldOffset + 4);
  return crc32c(copy);
}
