/**
 * VHD dynamic disk header: 1024 bytes, big-endian, cookie "cxsparse", at footer.dataOffset.
 * Source: VHD specification v1.0, "Dynamic Disk Header Format".
 */
import { ByteReader } from "../../util/byte-reader.js";
import { vhdChecksum } from "./footer.js";

export const DYNAMIC_HEADER_SIZE = 1024;
export const DYNAMIC_HEADER_COOKIE = "cxsparse";
const CHECKSUM_OFFSET = 36;

export interface VhdDynamicHeader {
  cookie: string;
  /** Absolute byte offset of the Block Allocation Table. */
  tableOffset: number;
  maxTableEntries: number;
  blockSize: number;
  storedChecksum: number;
  computedChecksum: number;
}

export function parseDynamicHeader(byteReader: ByteReader): VhdDynamicHeader {
  byteReader.check(0, DYNAMIC_HEADER_SIZE, "VHD dynamic header");
  return {
    cookie: byteReader.ascii(0, 8),
    tableOffset: byteReader.u64be(16),
    maxTableEntries: byteReader.u32be(28),
    blockSize: byteReader.u32be(32),
    storedChecksum: byteReader.u32be(CHECKSUM_OFFSET),
    computedChecksum: vhdChecksum(byteReader.slice(0, DYNAMIC_HEADER_SIZE), CHECKSUM_OFFSET),
  };
}
