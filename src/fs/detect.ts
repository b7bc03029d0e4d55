/**
 * Which filesystem a volume holds, from its boot sector alone: the OEM id at byte 3 for NTFS
 * ("NTFS    ") and BitLocker ("-FVE-FS-"), a sane BIOS parameter block for FAT.
 */
import { FsError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { parseFatBootSector } from "./fat/boot-sector.js";

export type DetectedFileSystem = "ntfs" | "fat12" | "fat16" | "fat32" | "bitlocker" | "unknown";

const BOOT_SECTOR_SIZE = 512;

export function detectFileSystemFromBootSector(sector: Uint8Array): DetectedFileSystem {
  if (sector.length < BOOT_SECTOR_SIZE) return "unknown";
  const oem = Buffer.from(sector.subarray(3, 11)).toString("latin1");
  if (oem === "NTFS    ") return "ntfs";
  if (oem === "-FVE-FS-") return "bitlocker";
  try {
    return parseFatBootSector(sector).type;
  } catch (err) {
    if (err instanceof FsError) return "unknown";
    throw err;
  }
}

export function detectFileSystem(device: BlockDevice): DetectedFileSystem {
  if (device.size < BOOT_SECTOR_SIZE) return "unknown";
  return detectFileSystemFromBootSector(device.read(0, BOOT_SECTOR_SIZE));
}
