/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of every VHDX structure. */
const TABLE = (() => {
  const uint32Array = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    uint32Array[n] = crc >>> 0;
  }
  return uint32Array;
})();

export function crc32c(bytes: Uint8Array, initial = 0): number {
  let crc = ~initial >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32C of `bytes` with the 4-byte checksum field at `fieldOffset` taken as zero. */
export function crc32cWithZeroedField(bytes: Uint8Array, fieldOffset: number): number {
  const copy = bytes.slice();
  copy.fill(0, fieldOffset, fieldOffset + 4);
  return crc32c(copy);
}
