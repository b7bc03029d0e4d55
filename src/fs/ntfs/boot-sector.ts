/**
 * The NTFS boot sector ($Boot, sector 0 of the volume). Layout from the libfsntfs NTFS
 * format documentation, "Volume header" section.
 */
import { NtfsError } from "../../errors.js";
import { ntfsReader } from "./ntfs-reader.js";

export interface NtfsBootSector {
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSize: number;
  /** Sectors in the volume (the backup boot sector lies just past them). */
  totalSectors: number;
  mftLcn: number;
  mftMirrLcn: number;
  mftRecordSize: number;
  indexRecordSize: number;
  /** Volume serial number as 16 hex digits (as ntfsinfo / fsstat print it). */
  serial: string;
  /** 0x55AA at 510: absent on some volumes Windows still mounts (nobootcode.boot). */
  hasBootSignature: boolean;
}

const NTFS_OEM = "NTFS    ";
const BITLOCKER_OEM = "-FVE-FS-";

export function isBitLockerBootSector(bytes: Uint8Array): boolean {
  return bytes.length >= 11 && ntfsReader(bytes).ascii(3, 8) === BITLOCKER_OEM;
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0;
}

/**
 * A "clusters per record" byte: positive = that many clusters; negative (signed) n = 2^-n bytes.
 */
function recordSizeFromByte(value: number, clusterSize: number, what: string): number {
  const signed = value > 127 ? value - 256 : value;
  const size = signed > 0 ? signed * clusterSize : signed < 0 && signed >= -31 ? 2 ** -signed : 0;
  if (size < 256 || size > 65536 || !isPowerOfTwo(size)) {
    throw new NtfsError("bad-boot-sector", `${what} size byte 0x${value.toString(16)} gives an invalid size ${size}`, { offset: what === "MFT record" ? 64 : 68 });
  }
  return size;
}

export function parseBootSector(bytes: Uint8Array): NtfsBootSector {
  const byteReader = ntfsReader(bytes);
  byteReader.check(0, 512, "boot sector");
  const oem = byteReader.ascii(3, 8);
  if (oem === BITLOCKER_OEM) {
    throw new NtfsError("bitlocker", "the volume is BitLocker-encrypted (-FVE-FS-); unlock or decrypt it on Windows first", { offset: 3 });
  }
  if (oem !== NTFS_OEM) throw new NtfsError("not-ntfs", `boot sector OEM id is "${oem.replace(/[^\x20-\x7e]/g, "?")}", not "NTFS    "`, { offset: 3 });
  const bytesPerSector = byteReader.u16(11);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 256 || bytesPerSector > 4096) {
    throw new NtfsError("bad-boot-sector", `bytes per sector ${bytesPerSector} is not 256..4096 and a power of two`, { offset: 11 });
  }
  // Values 0xF4..0xFF encode 2^(256-n) sectors (clusters above 64 KiB, Windows 10 1903+).
  const spcByte = byteReader.u8(13);
  const sectorsPerCluster = spcByte >= 0xf4 ? 2 ** (256 - spcByte) : spcByte;
  if (!isPowerOfTwo(sectorsPerCluster)) {
    throw new NtfsError("bad-boot-sector", `sectors per cluster byte 0x${spcByte.toString(16)} is not a power of two`, { offset: 13 });
  }
  const clusterSize = bytesPerSector * sectorsPerCluster;
  if (clusterSize > 2 * 1024 * 1024) throw new NtfsError("bad-boot-sector", `cluster size ${clusterSize} exceeds 2 MiB`, { offset: 13 });
  const totalSectors = byteReader.u64(40);
  const mftLcn = byteReader.u64(48);
  const mftMirrLcn = byteReader.u64(56);
  const mftRecordSize = recordSizeFromByte(byteReader.u8(64), clusterSize, "MFT record");
  const indexRecordSize = recordSizeFromByte(byteReader.u8(68), clusterSize, "index record");
  const totalClusters = Math.floor(totalSectors / sectorsPerCluster);
  if (totalSectors === 0 || mftLcn >= totalClusters || mftMirrLcn >= totalClusters) {
    throw new NtfsError("bad-boot-sector", `MFT at cluster ${mftLcn} / mirror at ${mftMirrLcn} lie outside the volume of ${totalClusters} clusters`, { offset: 48 });
  }
  const serial = byteReader.u64big(72).toString(16).padStart(16, "0");
  return {
    bytesPerSector,
    sectorsPerCluster,
    clusterSize,
    totalSectors,
    mftLcn,
    mftMirrLcn,
    mftRecordSize,
    indexRecordSize,
    serial,
    hasBootSignature: byteReader.u16(510) === 0xaa55,
  };
}
