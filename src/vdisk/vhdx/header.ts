/**
 * VHDX header: two copies, at 64 KiB and 128 KiB, 4 KiB each, signature "head", CRC-32C over
 * the 4 KiB. The current header is the valid one with the higher sequence number.
 * Source: MS-VHDX 2.2.2 "Header".
 */
import type { ByteReader } from "../../util/byte-reader.js";
import { isAllZeroBytes } from "../../util/zero-bytes.js";
import { crc32cWithZeroedField } from "./crc32c.js";

export const HEADER_OFFSETS = [64 * 1024, 128 * 1024] as const;
export const HEADER_SIZE = 4096;

export interface VhdxHeader {
  /** Which slot (0 = 64 KiB, 1 = 128 KiB). */
  slot: number;
  sequenceNumber: bigint;
  /** True when LogGuid is all zero: there is no log to replay. */
  logEmpty: boolean;
  logVersion: number;
  version: number;
  logLength: number;
  logOffset: number;
  raw: Uint8Array;
}

/** Parses one header slot; undefined when its signature or CRC-32C is wrong. */
export function parseHeader(byteReader: ByteReader, slot: number): VhdxHeader | undefined {
  if (byteReader.length < HEADER_SIZE || byteReader.ascii(0, 4) !== "head") return undefined;
  const raw = byteReader.slice(0, HEADER_SIZE);
  if (crc32cWithZeroedField(raw, 4) !== byteReader.u32(4)) return undefined;
  return {
    slot,
    sequenceNumber: byteReader.u64big(8),
    logEmpty: isAllZeroBytes(byteReader.slice(48, 16)),
    logVersion: byteReader.u16(64),
    version: byteReader.u16(66),
    logLength: byteReader.u32(68),
    logOffset: byteReader.u64(72),
    raw,
  };
}

/**
 * The current header of two parsed slots. Equal sequence numbers are accepted only when the two
 * headers are byte-identical (Disk2vhd writes them so).
 */
export function currentHeader(left: VhdxHeader | undefined, right: VhdxHeader | undefined): VhdxHeader | "none" | "ambiguous" {
  if (!left && !right) return "none";
  if (!left) return right as VhdxHeader;
  if (!right) return left;
  if (left.sequenceNumber > right.sequenceNumber) return left;
  if (right.sequenceNumber > left.sequenceNumber) return right;
  return Buffer.compare(left.raw, right.raw) === 0 ? left : "ambiguous";
}
