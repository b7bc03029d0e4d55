/**
 * qcow2 header (big-endian): "QFI\xfb", version 2 or 3, cluster size, virtual size, L1 table,
 * and in v3 the feature bit fields. Source: qemu docs/interop/qcow2.txt.
 */
import type { ByteReader } from "../../util/byte-reader.js";

export const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb] as const;
export const V2_HEADER_LENGTH = 72;

export const IncompatibleFeature = {
  dirty: 1n << 0n,
  corrupt: 1n << 1n,
  externalDataFile: 1n << 2n,
  compressionType: 1n << 3n,
  extendedL2: 1n << 4n,
} as const;

export interface Qcow2Header {
  version: number;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  /** Refcount width is 2^refcountOrder bits (always 4 = 16 bits in version 2). */
  refcountOrder: number;
  headerLength: number;
  /** 0 zlib (deflate), 1 zstd. */
  compressionType: number;
}

export function parseQcow2Header(byteReader: ByteReader): Qcow2Header {
  const version = byteReader.u32be(4);
  const v3 = version >= 3;
  const headerLength = v3 ? byteReader.u32be(100) : V2_HEADER_LENGTH;
  return {
    version,
    backingFileOffset: byteReader.u64be(8),
    backingFileSize: byteReader.u32be(16),
    clusterBits: byteReader.u32be(20),
    size: byteReader.u64be(24),
    cryptMethod: byteReader.u32be(32),
    l1Size: byteReader.u32be(36),
    l1TableOffset: byteReader.u64be(40),
    refcountTableOffset: byteReader.u64be(48),
    refcountTableClusters: byteReader.u32be(56),
    nbSnapshots: byteReader.u32be(60),
    incompatibleFeatures: v3 ? byteReader.view.getBigUint64(72, false) : 0n,
    compatibleFeatures: v3 ? byteReader.view.getBigUint64(80, false) : 0n,
    autoclearFeatures: v3 ? byteReader.view.getBigUint64(88, false) : 0n,
    refcountOrder: v3 ? byteReader.u32be(96) : 4,
    headerLength,
    compressionType: v3 && headerLength > 104 ? byteReader.u8(104) : 0,
  };
}
