/**
 * GUID partition table: header and entry array, each protected by a CRC-32, with a backup
 * copy of both near the end of the disk (UEFI spec chapter 5.3). The backup header is where
 * the primary's AlternateLBA says; a disk grown after partitioning keeps it there and not on
 * its last sector, so the last sector is only the fallback.
 */
import { PartitionError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { ByteReader, decodeUtf16le } from "../util/byte-reader.js";
import { crc32 } from "../util/crc32.js";
import { formatGuid, isZeroGuid } from "./guid.js";
import { makePartition } from "./partition-device.js";
import { gptTypeName } from "./type-names.js";
import type { Partition } from "./types.js";

export const GPT_SIGNATURE = "EFI PART";
const MIN_HEADER_SIZE = 92;
/** The spec's minimum array is 16 KiB; allow far more, but not an unbounded read. */
const MAX_ENTRY_ARRAY_BYTES = 4 * 1024 * 1024;

export interface GptHeader {
  revision: number;
  headerSize: number;
  myLba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
}

const gptError = (code: string, message: string, offset: number) => new PartitionError(code, message, { offset });

/** True when the sector at `lba` starts with "EFI PART". */
export function hasGptSignature(disk: BlockDevice, lba: number, sectorSize: number): boolean {
  const offset = lba * sectorSize;
  if (offset + 8 > disk.size) return false;
  return Buffer.from(disk.read(offset, 8)).toString("latin1") === GPT_SIGNATURE;
}

/** Parses and checks one header sector read at `lba`: signature, size, CRC, MyLBA. */
export function parseGptHeader(sector: Uint8Array, lba: number, sectorSize: number): GptHeader {
  const base = lba * sectorSize;
  const reader = new ByteReader(sector, gptError, base);
  if (reader.ascii(0, 8) !== GPT_SIGNATURE) throw gptError("gpt-bad-signature", `no "EFI PART" signature at LBA ${lba}`, base);
  const headerSize = reader.u32(12);
  if (headerSize < MIN_HEADER_SIZE || headerSize > sectorSize) {
    throw gptError("gpt-bad-header-size", `GPT header size ${headerSize} is outside ${MIN_HEADER_SIZE}..${sectorSize}`, base + 12);
  }
  const stored = reader.u32(16);
  const copy = sector.slice(0, headerSize);
  copy.fill(0, 16, 20);
  const computed = crc32(copy);
  if (computed !== stored) {
    throw gptError(
      "gpt-header-crc",
      `GPT header at LBA ${lba}: CRC32 0x${stored.toString(16)} stored, 0x${computed.toString(16)} computed`,
      base + 16,
    );
  }
  const header: GptHeader = {
    revision: reader.u32(8),
    headerSize,
    myLba: reader.u64(24),
    alternateLba: reader.u64(32),
    firstUsableLba: reader.u64(40),
    lastUsableLba: reader.u64(48),
    diskGuid: formatGuid(sector, 56),
    entriesLba: reader.u64(72),
    entryCount: reader.u32(80),
    entrySize: reader.u32(84),
    entriesCrc: reader.u32(88),
  };
  if (header.myLba !== lba) {
    throw gptError("gpt-bad-my-lba", `GPT header read at LBA ${lba} says it is at LBA ${header.myLba}`, base + 24);
  }
  // Entry size is 128 × 2^n per the spec.
  if (header.entrySize < 128 || (header.entrySize & (header.entrySize - 1)) !== 0) {
    throw gptError("gpt-bad-entry-size", `GPT partition entry size ${header.entrySize} is not 128 × a power of 2`, base + 84);
  }
  if (header.entryCount * header.entrySize > MAX_ENTRY_ARRAY_BYTES) {
    throw gptError("gpt-too-many-entries", `GPT entry array of ${header.entryCount} × ${header.entrySize} bytes is implausibly large`, base + 80);
  }
  if (header.firstUsableLba > header.lastUsableLba + 1) {
    throw gptError("gpt-bad-usable-range", `GPT first usable LBA ${header.firstUsableLba} is after last usable ${header.lastUsableLba}`, base + 40);
  }
  return header;
}

/** Reads the entry array a header points to and checks its CRC. */
export function readGptEntryArray(disk: BlockDevice, header: GptHeader, sectorSize: number): Uint8Array {
  const offset = header.entriesLba * sectorSize;
  const length = header.entryCount * header.entrySize;
  if (offset + length > disk.size) {
    throw gptError("gpt-entries-beyond-disk", `GPT entry array at LBA ${header.entriesLba} (${length} bytes) runs past the end of the disk`, offset);
  }
  const bytes = disk.read(offset, length);
  const computed = crc32(bytes);
  if (computed !== header.entriesCrc) {
    throw gptError(
      "gpt-entries-crc",
      `GPT entry array at LBA ${header.entriesLba}: CRC32 0x${header.entriesCrc.toString(16)} stored, 0x${computed.toString(16)} computed`,
      offset,
    );
  }
  return bytes;
}

export function parseGptEntries(
  disk: BlockDevice,
  header: GptHeader,
  array: Uint8Array,
  sectorSize: number,
  warnings: string[],
): Partition[] {
  const base = header.entriesLba * sectorSize;
  const reader = new ByteReader(array, gptError, base);
  const partitions: Partition[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    const entryOffset = i * header.entrySize;
    if (isZeroGuid(array, entryOffset)) continue; // unused slot
    const typeGuid = formatGuid(array, entryOffset);
    const firstLba = reader.u64(entryOffset + 32);
    const lastLba = reader.u64(entryOffset + 40);
    if (lastLba < firstLba) {
      throw gptError("gpt-bad-entry", `GPT entry ${i + 1} ends (LBA ${lastLba}) before it starts (LBA ${firstLba})`, base + entryOffset + 32);
    }
    const nameBytes = reader.slice(entryOffset + 56, Math.min(72, header.entrySize - 56));
    const name = decodeUtf16le(nameBytes).replace(/\0[\s\S]*$/, "");
    const partition = makePartition(disk, sectorSize, {
      index: i + 1,
      startSector: firstLba,
      sectorCount: lastLba - firstLba + 1,
      type: typeGuid,
      typeName: gptTypeName(typeGuid),
      guid: formatGuid(array, entryOffset + 16),
      attributes: "0x" + reader.u64big(entryOffset + 48).toString(16).padStart(16, "0"),
      name,
    });
    if (firstLba < header.firstUsableLba || lastLba > header.lastUsableLba) {
      warnings.push(`GPT partition ${i + 1} (LBA ${firstLba}..${lastLba}) lies outside the usable range ${header.firstUsableLba}..${header.lastUsableLba}`);
    }
    if (partition.start + partition.size > disk.size) {
      warnings.push(`partition ${i + 1} (sectors ${firstLba}+${partition.sectorCount}) runs past the end of the disk`);
    }
    partitions.push(partition);
  }
  return partitions;
}

interface GptCopy {
  header: GptHeader;
  array: Uint8Array;
}

function readGptCopy(disk: BlockDevice, lba: number, sectorSize: number): GptCopy {
  const offset = lba * sectorSize;
  if (lba < 1 || offset + sectorSize > disk.size) {
    throw gptError("gpt-header-beyond-disk", `GPT header LBA ${lba} is outside the disk`, offset);
  }
  const header = parseGptHeader(disk.read(offset, sectorSize), lba, sectorSize);
  return { header, array: readGptEntryArray(disk, header, sectorSize) };
}

function describe(err: unknown): string {
  return err instanceof PartitionError ? err.describe() : String(err);
}

/**
 * Reads the GPT: the primary when it is valid, else the backup (with a warning). Both bad is
 * a typed error carrying both reasons.
 */
export function readGpt(
  disk: BlockDevice,
  sectorSize: number,
  warnings: string[],
): { diskGuid: string; partitions: Partition[] } {
  const lastLba = Math.floor(disk.size / sectorSize) - 1;
  let primary: GptCopy | undefined;
  let primaryError: unknown;
  try {
    primary = readGptCopy(disk, 1, sectorSize);
  } catch (err) {
    if (!(err instanceof PartitionError)) throw err;
    primaryError = err;
  }

  // Where the backup should be: the primary's AlternateLBA if we can read it, else the last sector.
  const candidates: number[] = [];
  if (primary) candidates.push(primary.header.alternateLba);
  else if (disk.size >= 2 * sectorSize) {
    const raw = disk.read(sectorSize, sectorSize);
    {
      const alt = new DataView(raw.buffer, raw.byteOffset).getBigUint64(32, true);
      if (alt > 1n && alt <= BigInt(lastLba)) candidates.push(Number(alt));
    }
  }
  if (lastLba > 1 && !candidates.includes(lastLba)) candidates.push(lastLba);

  let backup: GptCopy | undefined;
  const backupErrors: string[] = [];
  for (const lba of candidates) {
    try {
      backup = readGptCopy(disk, lba, sectorSize);
      if (primary && lba !== primary.header.alternateLba) {
        warnings.push(`GPT backup header found at LBA ${lba}, not at the primary's AlternateLBA ${primary.header.alternateLba}`);
      }
      break;
    } catch (err) {
      if (!(err instanceof PartitionError)) throw err;
      backupErrors.push(describe(err));
    }
  }

  const chosen = primary ?? backup;
  if (!chosen) {
    throw new PartitionError(
      "gpt-corrupt",
      `neither GPT header is usable: primary: ${describe(primaryError)}; backup: ${backupErrors.join("; ")}`,
      { offset: sectorSize },
    );
  }
  if (!primary) warnings.push(`primary GPT is damaged (${describe(primaryError)}); using the backup at LBA ${chosen.header.myLba}`);
  else if (!backup) warnings.push(`backup GPT is missing or damaged (${backupErrors.join("; ")})`);
  else if (Buffer.compare(primary.array, backup.array) !== 0) warnings.push("primary and backup GPT entry arrays differ; using the primary");

  return {
    diskGuid: chosen.header.diskGuid,
    partitions: parseGptEntries(disk, chosen.header, chosen.array, sectorSize, warnings),
  };
}
