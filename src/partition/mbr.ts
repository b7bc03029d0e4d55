/**
 * Master boot record and the chain of extended boot records (EBRs) that holds logical
 * partitions. Entry layout and chain rules: UEFI spec 5.2.1 (legacy MBR) and the EBR
 * convention (entry 1 relative to its EBR, entry 2 relative to the outermost extended
 * partition).
 */
import { PartitionError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { ByteReader } from "../util/byte-reader.js";
import { makePartition } from "./partition-device.js";
import { extendedMbrTypes, mbrTypeName } from "./type-names.js";
import type { Partition } from "./types.js";

export const MBR_SIZE = 512;
const ENTRIES_OFFSET = 446;
const ENTRY_SIZE = 16;
const SIGNATURE_OFFSET = 510;
export const PROTECTIVE_TYPE = 0xee;
/** More logical partitions than any tool creates: a longer chain is corruption. */
const MAX_LOGICAL_PARTITIONS = 256;

export interface MbrEntry {
  status: number;
  type: number;
  startSector: number;
  sectorCount: number;
}

const mbrError = (code: string, message: string, offset: number) => new PartitionError(code, message, { offset });

export function hasMbrSignature(sector: Uint8Array): boolean {
  return sector.length >= MBR_SIZE && sector[SIGNATURE_OFFSET] === 0x55 && sector[SIGNATURE_OFFSET + 1] === 0xaa;
}

/** The four entries of an MBR or EBR sector; `base` is its byte offset on the disk (for errors). */
export function parseMbrEntries(sector: Uint8Array, base = 0): MbrEntry[] {
  const reader = new ByteReader(sector, mbrError, base);
  const entries: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const entryOffset = ENTRIES_OFFSET + i * ENTRY_SIZE;
    entries.push({ status: reader.u8(entryOffset), type: reader.u8(entryOffset + 4), startSector: reader.u32(entryOffset + 8), sectorCount: reader.u32(entryOffset + 12) });
  }
  return entries;
}

export function isEmptyEntry(mbrEntry: MbrEntry): boolean {
  return mbrEntry.type === 0 || mbrEntry.sectorCount === 0;
}

export function mbrDiskSignature(sector: Uint8Array): string {
  const sig = new DataView(sector.buffer, sector.byteOffset + 440, 4).getUint32(0, true);
  return "0x" + sig.toString(16).padStart(8, "0");
}

/** Reads primaries and logicals. `mbr` is the first 512 bytes of the disk. */
export function readMbrPartitions(disk: BlockDevice, mbr: Uint8Array, sectorSize: number, warnings: string[]): Partition[] {
  const partitions: Partition[] = [];
  const entries = parseMbrEntries(mbr, 0);
  const extended: MbrEntry[] = [];
  entries.forEach((entry, i) => {
    if (isEmptyEntry(entry)) return;
    if (entry.status !== 0 && entry.status !== 0x80) warnings.push(`MBR entry ${i + 1} has an invalid status byte 0x${entry.status.toString(16)}`);
    partitions.push(
      makePartition(disk, sectorSize, {
        index: i + 1,
        startSector: entry.startSector,
        sectorCount: entry.sectorCount,
        type: entry.type,
        typeName: mbrTypeName(entry.type),
        bootable: entry.status === 0x80,
      }),
    );
    if (extendedMbrTypes.has(entry.type)) extended.push(entry);
  });
  if (extended.length > 1) warnings.push("MBR has more than one extended partition; only the first is followed");
  if (extended.length > 0) partitions.push(...readLogicalPartitions(disk, extended[0], sectorSize, warnings));
  for (const partition of partitions) {
    if (partition.start + partition.size > disk.size) {
      warnings.push(`partition ${partition.index} (sectors ${partition.startSector}+${partition.sectorCount}) runs past the end of the disk`);
    }
  }
  return partitions;
}

/**
 * Walks the EBR chain. Each EBR must lie inside the extended partition and be visited once:
 * a chain that comes back to an EBR already seen is a loop and a typed error.
 */
function readLogicalPartitions(disk: BlockDevice, ext: MbrEntry, sectorSize: number, warnings: string[]): Partition[] {
  const logicals: Partition[] = [];
  const extStart = ext.startSector;
  const extEnd = ext.startSector + ext.sectorCount;
  const seen = new Set<number>();
  let ebrSector = extStart;
  let nextIndex = 5;
  for (let steps = 0; ; steps++) {
    if (steps >= MAX_LOGICAL_PARTITIONS) {
      throw new PartitionError("ebr-chain-too-long", `extended partition chain has more than ${MAX_LOGICAL_PARTITIONS} EBRs`, {
        offset: ebrSector * sectorSize,
      });
    }
    if (seen.has(ebrSector)) {
      throw new PartitionError("ebr-loop", `extended boot record chain loops back to sector ${ebrSector}`, {
        offset: ebrSector * sectorSize,
      });
    }
    seen.add(ebrSector);
    const offset = ebrSector * sectorSize;
    if (ebrSector < extStart || ebrSector >= extEnd) {
      throw new PartitionError("ebr-out-of-range", `EBR at sector ${ebrSector} lies outside the extended partition (${extStart}..${extEnd})`, {
        offset,
      });
    }
    if (offset + MBR_SIZE > disk.size) {
      warnings.push(`EBR at sector ${ebrSector} lies past the end of the disk: logical partitions from there on are missing`);
      break;
    }
    const ebr = disk.read(offset, MBR_SIZE);
    if (!hasMbrSignature(ebr)) {
      // An extended partition with no logicals often has an unwritten first EBR.
      if (steps > 0 || ebr.some((byte) => byte !== 0)) warnings.push(`EBR at sector ${ebrSector} has no 0x55AA signature; chain ends there`);
      break;
    }
    const [logical, next] = parseMbrEntries(ebr, offset);
    if (!isEmptyEntry(logical)) {
      if (ebrSector + logical.startSector + logical.sectorCount > extEnd) {
        warnings.push(`logical partition ${nextIndex} runs past the end of its extended partition`);
      }
      logicals.push(
        makePartition(disk, sectorSize, {
          index: nextIndex++,
          startSector: ebrSector + logical.startSector,
          sectorCount: logical.sectorCount,
          type: logical.type,
          typeName: mbrTypeName(logical.type),
          bootable: logical.status === 0x80,
          logical: true,
        }),
      );
    }
    if (isEmptyEntry(next)) break;
    ebrSector = extStart + next.startSector;
  }
  return logicals;
}
