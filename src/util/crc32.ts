/**
 * Table-driven reflected CRC-32s in plain code: IEEE 802.3 (polynomial 0xEDB88320, GPT headers
 * and entry arrays, UEFI spec 5.3.2) and Castagnoli (0x82F63B78, every VHDX structure, MS-VHDX
 * 2.2). Their inputs are a few KiB; node:zlib's crc32 would load node:stream with it, ~4 ms of
 * a `cat` (bench/cat-pairs.mjs).
 */

/** The byte table of the reflected CRC-32 with `polynomial` (its bits reversed). */
function crcTable(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
    table[n] = crc >>> 0;
  }
  return table;
}

/** A CRC-32 function over `polynomial`, its table made on first use. */
function reflectedCrc32(polynomial: number): (bytes: Uint8Array, initial?: number) => number {
  let table: Uint32Array | undefined;
  return (bytes, initial = 0) => {
    const bytesTable = (table ??= crcTable(polynomial));
    let crc = ~initial >>> 0;
    for (let i = 0; i < bytes.length; i++) crc = bytesTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return ~crc >>> 0;
  };
}

/** CRC-32 (IEEE 802.3, as zlib's crc32): `initial` continues an earlier CRC. */
export const crc32 = reflectedCrc32(0xedb88320);

/** CRC-32C (Castagnoli): `initial` continues an earlier CRC. */
export const crc32c = reflectedCrc32(0x82f63b78);
