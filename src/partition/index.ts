/**
 * Finds the partitions of a disk: GPT (behind its protective MBR), MBR with logical
 * partitions, or none at all when the disk is a bare volume (a volume boot sector also ends
 * in 0x55AA, so it is recognised by its content before the MBR is trusted).
 */
import { PartitionError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { hasGptSignature, readGpt } from "./gpt.js";
import { hasMbrSignature, isEmptyEntry, MBR_SIZE, mbrDiskSignature, parseMbrEntries, PROTECTIVE_TYPE, readMbrPartitions } from "./mbr.js";
import { makePartition } from "./partition-device.js";
import type { PartitionTable } from "./types.js";
import { volumeBootSectorKind } from "./volume-boot-sector.js";

export type { Partition, PartitionScheme, PartitionTable } from "./types.js";
export { formatGuid } from "./guid.js";
export { GptType, gptTypeName, mbrTypeName } from "./type-names.js";

export interface ReadPartitionTableOptions {
  /** Logical sector size when known from outside (a 4Kn disk in a raw image). */
  sectorSize?: number;
}

function checkSectorSize(value: number | undefined, from: string): 512 | 4096 | undefined {
  if (value === undefined) return undefined;
  if (value !== 512 && value !== 4096) {
    throw new PartitionError("bad-sector-size", `${from} sector size ${value} is not 512 or 4096`);
  }
  return value;
}

export function readPartitionTable(disk: BlockDevice, options: ReadPartitionTableOptions = {}): PartitionTable {
  const given = checkSectorSize(options.sectorSize, "requested") ?? checkSectorSize(disk.sectorSize, "device");
  if (disk.size < MBR_SIZE) {
    throw new PartitionError("disk-too-small", `disk of ${disk.size} bytes is smaller than one sector`, { offset: 0 });
  }
  const sector0 = disk.read(0, MBR_SIZE);
  const warnings: string[] = [];

  const volume = volumeBootSectorKind(sector0);
  if (volume !== undefined) {
    const bpbSectorSize = sector0[11] | (sector0[12] << 8);
    const sectorSize = given ?? (bpbSectorSize === 4096 ? 4096 : 512);
    const sectorCount = Math.floor(disk.size / sectorSize);
    return {
      scheme: "none",
      sectorSize,
      partitions: [
        makePartition(disk, sectorSize, {
          index: 1,
          startSector: 0,
          sectorCount,
          type: "volume",
          typeName: `Unpartitioned volume (${volume})`,
        }),
      ],
      warnings,
    };
  }

  const mbrValid = hasMbrSignature(sector0);
  const entries = mbrValid ? parseMbrEntries(sector0) : [];
  const protective = entries.some((entry) => !isEmptyEntry(entry) && entry.type === PROTECTIVE_TYPE);
  const gptSectorSize = findGptSectorSize(disk, given);

  if (protective || (!mbrValid && gptSectorSize !== undefined)) {
    if (!mbrValid) warnings.push("GPT disk without a protective MBR");
    if (entries.some((entry) => !isEmptyEntry(entry) && entry.type !== PROTECTIVE_TYPE)) {
      warnings.push("hybrid MBR: the MBR lists partitions besides the GPT protective entry; the GPT is used");
    }
    // With the primary header unreadable, the sector size is unknown: the backup decides.
    const sizes: (512 | 4096)[] = gptSectorSize ? [gptSectorSize] : given ? [given] : [512, 4096];
    let firstError: unknown;
    for (const sectorSize of sizes) {
      const attemptWarnings = [...warnings];
      try {
        const gpt = readGpt(disk, sectorSize, attemptWarnings);
        return { scheme: "gpt", sectorSize, diskGuid: gpt.diskGuid, partitions: gpt.partitions, warnings: attemptWarnings };
      } catch (err) {
        if (!(err instanceof PartitionError)) throw err;
        firstError ??= err;
      }
    }
    throw firstError;
  }
  if (mbrValid) {
    if (gptSectorSize !== undefined) warnings.push('"EFI PART" header present but the MBR has no protective entry; the MBR is used');
    const sectorSize = given ?? 512;
    const partitions = readMbrPartitions(disk, sector0, sectorSize, warnings);
    return { scheme: "mbr", sectorSize, diskGuid: mbrDiskSignature(sector0), partitions, warnings };
  }
  throw new PartitionError(
    "no-partition-table",
    "no partition table (no 0x55AA MBR signature, no GPT header) and no known volume boot sector at sector 0",
    { offset: 0 },
  );
}

/** GPT header sits at LBA 1: byte 512 on 512-byte disks, byte 4096 on 4Kn disks. */
function findGptSectorSize(disk: BlockDevice, given: 512 | 4096 | undefined): 512 | 4096 | undefined {
  const sizes: (512 | 4096)[] = given ? [given] : [512, 4096];
  return sizes.find((size) => hasGptSignature(disk, 1, size));
}
