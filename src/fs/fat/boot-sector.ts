/**
 * The FAT boot sector and BIOS parameter block (Microsoft "FAT: General Overview of On-Disk
 * Format", fatgen103). The FAT type is decided only by the count of data clusters, never by
 * the "FAT12   "/"FAT32   " label.
 */
import { FsError } from "../../errors.js";
import { ByteReader } from "../../util/byte-reader.js";

export type FatType = "fat12" | "fat16" | "fat32";

export interface FatBootSector {
  oemName: string;
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  fatCount: number;
  rootEntryCount: number;
  totalSectors: number;
  media: number;
  sectorsPerFat: number;
  /** FAT32: bit 7 set = only the FAT numbered in bits 0–3 is active (no mirroring). */
  extFlags: number;
  rootCluster: number;
  fsInfoSector: number;
  volumeId?: number;
  volumeLabel?: string;
  // Derived geometry.
  type: FatType;
  clusterSize: number;
  rootDirSectors: number;
  firstFatSector: number;
  firstRootDirSector: number;
  firstDataSector: number;
  clusterCount: number;
  /** Highest valid cluster number: clusterCount + 1 (clusters are numbered from 2). */
  maxCluster: number;
  /** Index of the FAT copy to read. */
  activeFat: number;
}

const fatError = (code: string, message: string, offset: number) => new FsError(code, message, { offset });

const isPowerOfTwo = (value: number) => value > 0 && (value & (value - 1)) === 0;

/** Parses a FAT boot sector; throws FsError naming the first field that is not sane. */
export function parseFatBootSector(sector: Uint8Array, volumeSize?: number): FatBootSector {
  const reader = new ByteReader(sector, fatError);
  reader.check(0, 512, "FAT boot sector");
  const jump = reader.u8(0);
  if (!(jump === 0xeb && reader.u8(2) === 0x90) && jump !== 0xe9 && jump !== 0xeb) {
    throw fatError("fat-bad-jump", `boot sector does not start with an x86 jump (0x${jump.toString(16)})`, 0);
  }
  const bytesPerSector = reader.u16(11);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096) {
    throw fatError("fat-bad-sector-size", `bytes per sector ${bytesPerSector} is not 512, 1024, 2048 or 4096`, 11);
  }
  const sectorsPerCluster = reader.u8(13);
  if (!isPowerOfTwo(sectorsPerCluster)) {
    throw fatError("fat-bad-cluster-size", `sectors per cluster ${sectorsPerCluster} is not a power of 2`, 13);
  }
  const reservedSectors = reader.u16(14);
  if (reservedSectors === 0) throw fatError("fat-bad-reserved", "reserved sector count is 0", 14);
  const fatCount = reader.u8(16);
  if (fatCount === 0 || fatCount > 4) throw fatError("fat-bad-fat-count", `number of FATs ${fatCount} is not 1..4`, 16);
  const rootEntryCount = reader.u16(17);
  const media = reader.u8(21);
  if (media !== 0xf0 && media < 0xf8) throw fatError("fat-bad-media", `media byte 0x${media.toString(16)} is invalid`, 21);
  const totalSectors = reader.u16(19) !== 0 ? reader.u16(19) : reader.u32(32);
  const fat16Size = reader.u16(22);
  const isFat32Layout = fat16Size === 0;
  const sectorsPerFat = isFat32Layout ? reader.u32(36) : fat16Size;
  if (sectorsPerFat === 0) throw fatError("fat-bad-fat-size", "sectors per FAT is 0", 36);
  if (totalSectors === 0) throw fatError("fat-bad-total", "total sector count is 0", 19);

  const rootDirSectors = Math.ceil((rootEntryCount * 32) / bytesPerSector);
  const firstFatSector = reservedSectors;
  const firstRootDirSector = reservedSectors + fatCount * sectorsPerFat;
  const firstDataSector = firstRootDirSector + rootDirSectors;
  if (firstDataSector >= totalSectors) {
    throw fatError("fat-bad-layout", `data area starts at sector ${firstDataSector}, past the ${totalSectors} sectors of the volume`, 14);
  }
  const clusterCount = Math.floor((totalSectors - firstDataSector) / sectorsPerCluster);
  const type: FatType = clusterCount < 4085 ? "fat12" : clusterCount < 65525 ? "fat16" : "fat32";
  if ((type === "fat32") !== isFat32Layout) {
    throw fatError("fat-type-mismatch", `${clusterCount} clusters make this ${type}, but the BPB has the other layout`, 22);
  }
  if (type !== "fat32" && rootEntryCount === 0) throw fatError("fat-bad-root", "FAT12/16 volume with no root directory entries", 17);
  // Each FAT must have room for an entry per cluster.
  const entryBits = type === "fat12" ? 12 : type === "fat16" ? 16 : 32;
  if (sectorsPerFat * bytesPerSector * 8 < (clusterCount + 2) * entryBits) {
    throw fatError("fat-too-small", `a FAT of ${sectorsPerFat} sectors cannot map ${clusterCount} clusters`, 22);
  }
  if (volumeSize !== undefined && totalSectors * bytesPerSector > volumeSize) {
    throw fatError(
      "fat-volume-truncated",
      `boot sector declares ${totalSectors * bytesPerSector} bytes but the volume has ${volumeSize}`,
      19,
    );
  }

  const extFlags = isFat32Layout ? reader.u16(40) : 0;
  const rootCluster = isFat32Layout ? reader.u32(44) : 0;
  const fsInfoSector = isFat32Layout ? reader.u16(48) : 0;
  const extBase = isFat32Layout ? 64 : 36;
  const hasExtendedBpb = reader.u8(extBase + 2) === 0x29;
  const activeFat = isFat32Layout && extFlags & 0x80 ? extFlags & 0x0f : 0;
  if (activeFat >= fatCount) throw fatError("fat-bad-active-fat", `active FAT ${activeFat} does not exist (${fatCount} FATs)`, 40);
  const maxCluster = clusterCount + 1;
  if (type === "fat32" && (rootCluster < 2 || rootCluster > maxCluster)) {
    throw fatError("cluster-out-of-range", `root directory cluster ${rootCluster} is outside 2..${maxCluster}`, 44);
  }
  const result: FatBootSector = {
    oemName: reader.latin1(3, 8),
    bytesPerSector,
    sectorsPerCluster,
    reservedSectors,
    fatCount,
    rootEntryCount,
    totalSectors,
    media,
    sectorsPerFat,
    extFlags,
    rootCluster,
    fsInfoSector,
    type,
    clusterSize: bytesPerSector * sectorsPerCluster,
    rootDirSectors,
    firstFatSector,
    firstRootDirSector,
    firstDataSector,
    clusterCount,
    maxCluster,
    activeFat,
  };
  if (hasExtendedBpb) {
    result.volumeId = reader.u32(extBase + 3);
    result.volumeLabel = reader.latin1(extBase + 7, 11).replace(/ +$/, "");
  }
  return result;
}
