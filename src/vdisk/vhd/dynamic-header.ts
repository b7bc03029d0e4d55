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

export function parseDynamicHeader(r: ByteReader): VhdDynamicHeader {
  r.check(0, DYNAMIC_HEADER_SIZE, "VHD dynamic header");
  return {
    cookie: r.ascii(0, 8),
    tableOffset: r.u64be(16),
    maxTableEntries: r.u32be(28),
    blockSize: r.u32be(32),
    storedChecksum: r.u32be(CHECKSUM_OFFSET),
    computedChecksum: vhdChecksum(r.slice(0, DYNAMIC_HEADER_SIZE), CHECKSUM_OFFSET),
  };
}
