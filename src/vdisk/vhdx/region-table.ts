/**
 * VHDX region table: two copies at 192 KiB and 256 KiB, 64 KiB each, signature "regi", CRC-32C
 * over the 64 KiB; entries of 32 bytes (GUID, file offset, length, required flag).
 * Source: MS-VHDX 2.2.3 "Region Table".
 */
import type { ByteReader } from "../../util/byte-reader.js";
import { guidToString } from "../util.js";
import { crc32cWithZeroedField } from "./crc32c.js";

export const REGION_TABLE_OFFSETS = [192 * 1024, 256 * 1024] as const;
export const REGION_TABLE_SIZE = 64 * 1024;
const MAX_ENTRIES = 2047;

export const RegionGuid = {
  bat: "2DC27766-F623-4200-9D64-115E9BFD4A08",
  metadata: "8B7CA206-4790-4B9A-B8FE-575F050F886E",
} as const;

export interface RegionEntry {
  guid: string;
  fileOffset: number;
  length: number;
  required: boolean;
}

/** Parses one region table copy; undefined when its signature, CRC or entry count is wrong. */
export function parseRegionTable(byteReader: ByteReader): RegionEntry[] | undefined {
  if (byteReader.length < REGION_TABLE_SIZE || byteReader.ascii(0, 4) !== "regi") return undefined;
  if (crc32cWithZeroedField(byteReader.slice(0, REGION_TABLE_SIZE), 4) !== byteReader.u32(4)) return undefined;
  const count = byteReader.u32(8);
  if (count > MAX_ENTRIES) return undefined;
  const entries: RegionEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 32;
    entries.push({
      guid: guidToString(byteReader.slice(at, 16)),
      fileOffset: byteReader.u64(at + 16),
      length: byteReader.u32(at + 24),
      required: (byteReader.u32(at + 28) & 1) !== 0,
    });
  }
  return entries;
}
