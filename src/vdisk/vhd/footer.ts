/**
 * VHD hard disk footer: 512 bytes, big-endian, cookie "conectix". The last 512 bytes of every
 * VHD; dynamic and differencing disks also keep a copy at offset 0.
 * Source: Microsoft "Virtual Hard Disk Image Format Specification" v1.0, "Hard Disk Footer Format".
 */
import { ByteReader } from "../../util/byte-reader.js";

export const FOOTER_SIZE = 512;
export const FOOTER_COOKIE = "conectix";
const CHECKSUM_OFFSET = 64;

export const DiskType = { fixed: 2, dynamic: 3, differencing: 4 } as const;

export interface VhdFooter {
  cookie: string;
  features: number;
  version: number;
  /** Offset of the dynamic header; 0xFFFFFFFF_FFFFFFFF (read as -1) for fixed disks. */
  dataOffset: bigint;
  creatorApplication: string;
  originalSize: number;
  currentSize: number;
  diskType: number;
  storedChecksum: number;
  computedChecksum: number;
  savedState: number;
}

/** One's complement of the byte sum with the checksum field counted as zero. */
export function vhdChecksum(bytes: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (i >= checksumOffset && i < checksumOffset + 4) continue;
    sum += bytes[i];
  }
  return ~sum >>> 0;
}

export function hasFooterCookie(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 8)) === FOOTER_COOKIE;
}

export function parseFooter(byteReader: ByteReader): VhdFooter {
  byteReader.check(0, FOOTER_SIZE, "VHD footer");
  const bytes = byteReader.slice(0, FOOTER_SIZE);
  return {
    cookie: byteReader.ascii(0, 8),
    features: byteReader.u32be(8),
    version: byteReader.u32be(12),
    dataOffset: byteReader.view.getBigUint64(16, false),
    creatorApplication: byteReader.ascii(28, 4),
    originalSize: byteReader.u64be(40),
    currentSize: byteReader.u64be(48),
    diskType: byteReader.u32be(60),
    storedChecksum: byteReader.u32be(CHECKSUM_OFFSET),
    computedChecksum: vhdChecksum(bytes, CHECKSUM_OFFSET),
    savedState: byteReader.u8(84),
  };
}
