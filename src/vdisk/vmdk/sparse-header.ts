/**
 * VMDK sparse extent header ("KDMV", 512 bytes, little-endian). Stream-optimized extents keep
 * the real grain directory offset in a footer copy of this header at EOF-1024.
 * Source: libvmdk VMDK format documentation, "Sparse extent header"; VMware VMDK 5.0 technote.
 */
import type { ByteReader } from "../../util/byte-reader.js";

export const SPARSE_MAGIC = "KDMV";
export const SPARSE_HEADER_SIZE = 512;
/** gdOffset value meaning "the grain directory is described by the footer". */
export const GD_AT_END = 0xffffffffffffffffn;

export const SparseFlag = {
  validNewlineTest: 0x1,
  redundantGrainTable: 0x2,
  zeroedGrainGte: 0x4,
  compressedGrains: 0x10000,
  markers: 0x20000,
} as const;

export interface SparseHeader {
  version: number;
  flags: number;
  capacity: number;
  grainSize: number;
  descriptorOffset: number;
  descriptorSize: number;
  numGTEsPerGT: number;
  rgdOffset: bigint;
  gdOffset: bigint;
  uncleanShutdown: number;
  compressAlgorithm: number;
}

export function parseSparseHeader(byteReader: ByteReader): SparseHeader {
  byteReader.check(0, 80, "VMDK sparse header");
  return {
    version: byteReader.u32(4),
    flags: byteReader.u32(8),
    capacity: byteReader.u64(12),
    grainSize: byteReader.u64(20),
    descriptorOffset: byteReader.u64(28),
    descriptorSize: byteReader.u64(36),
    numGTEsPerGT: byteReader.u32(44),
    rgdOffset: byteReader.u64big(48),
    gdOffset: byteReader.u64big(56),
    uncleanShutdown: byteReader.u8(72),
    compressAlgorithm: byteReader.u16(77),
  };
}
