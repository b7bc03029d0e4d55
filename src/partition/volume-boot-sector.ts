/**
 * Telling a volume boot sector from an MBR. Both can end in 0x55AA, so a disk whose sector 0
 * is a volume boot sector (a bare NTFS or FAT volume image, common as P2V input) would
 * otherwise be read as a partition table of garbage entries. This layer sits below the
 * filesystems, so it checks only what identifies a boot sector: the OEM id for NTFS,
 * BitLocker and exFAT, and a plausible BIOS parameter block for FAT.
 */
const isPowerOfTwo = (value: number) => value > 0 && (value & (value - 1)) === 0;

export type VolumeKind = "ntfs" | "bitlocker" | "exfat" | "fat";

export function volumeBootSectorKind(sector: Uint8Array): VolumeKind | undefined {
  if (sector.length < 512) return undefined;
  const oem = Buffer.from(sector.subarray(3, 11)).toString("latin1");
  if (oem === "NTFS    ") return "ntfs";
  if (oem === "-FVE-FS-") return "bitlocker";
  if (oem === "EXFAT   ") return "exfat";
  const view = new DataView(sector.buffer, sector.byteOffset, 512);
  const jumps = sector[0] === 0xeb || sector[0] === 0xe9;
  const bytesPerSector = view.getUint16(11, true);
  const sectorsPerCluster = sector[13];
  const reserved = view.getUint16(14, true);
  const fats = sector[16];
  const media = sector[21];
  const totalSectors = view.getUint16(19, true) || view.getUint32(32, true);
  const sectorsPerFat = view.getUint16(22, true) || view.getUint32(36, true);
  const plausibleBpb =
    jumps &&
    isPowerOfTwo(bytesPerSector) &&
    bytesPerSector >= 512 &&
    bytesPerSector <= 4096 &&
    isPowerOfTwo(sectorsPerCluster) &&
    reserved > 0 &&
    fats >= 1 &&
    fats <= 4 &&
    (media === 0xf0 || media >= 0xf8) &&
    totalSectors > 0 &&
    sectorsPerFat > 0;
  return plausibleBpb ? "fat" : undefined;
}
