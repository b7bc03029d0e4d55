/**
 * VHDX header: two copies, at 64 KiB and 128 KiB, 4 KiB each, signature "head", CRC-32C over
 * the 4 KiB. The current header is the valid one with the higher sequence number.
 * Source: MS-VHDX 2.2.2 "Header".
 */
import type { ByteReader } from "../../util/byte-reader.js";
import { isAllZero } from "../util.js";
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
export function parseHeader(r: ByteReader, slot: number): VhdxHeader | undefined {
  if (r.length < HEADER_SIZE || r.ascii(0, 4) !== "head") return undefined;
  const raw = r.slice(0, HEADER_SIZE);
  if (crc32cWithZeroedField(raw, 4) !== r.u32(4)) return undefined;
  return {
    slot,
    sequenceNumber: r.u64big(8),
    logEmpty: isAllZero(r.slice(48, 16)),
    logVersion: r.u16(64),
    version: r.u16(66),
    logLength: r.u32(68),
    logOffset: r.u64(72),
    raw,
  };
}

/**
 * The current header of two parsed slots. Equal sequence numbers are accepted only when the two
 * headers are byte-identical (Disk2vhd writes them so).
 */
export function currentHeader(a: VhdxHeader | undefined, b: VhdxHeader | undefined): VhdxHeader | "none" | "ambiguous" {
  if (!a && !b) return "none";
  if (!a) return b as VhdxHeader;
  if (!b) return a;
  if (a.sequenceNumber > b.sequenceNumber) return a;
  if (b.sequenceNumber > a.sequenceNumber) return b;
  return Buffer.compare(a.raw, b.raw) === 0 ? a : "ambiguous";
}
