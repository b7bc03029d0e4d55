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

export function parseSparseHeader(r: ByteReader): SparseHeader {
  r.check(0, 80, "VMDK sparse header");
  return {
    version: r.u32(4),
    flags: r.u32(8),
    capacity: r.u64(12),
    grainSize: r.u64(20),
    descriptorOffset: r.u64(28),
    descriptorSize: r.u64(36),
    numGTEsPerGT: r.u32(44),
    rgdOffset: r.u64big(48),
    gdOffset: r.u64big(56),
    uncleanShutdown: r.u8(72),
    compressAlgorithm: r.u16(77),
  };
}
