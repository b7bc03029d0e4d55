/** Names for the partition types p2vfix meets on Windows and Linux disks. */

const mbrTypeNames: Record<number, string> = {
  0x01: "FAT12",
  0x04: "FAT16 <32M",
  0x05: "Extended",
  0x06: "FAT16",
  0x07: "NTFS/exFAT",
  0x0b: "FAT32",
  0x0c: "FAT32 (LBA)",
  0x0e: "FAT16 (LBA)",
  0x0f: "Extended (LBA)",
  0x11: "Hidden FAT12",
  0x12: "Compaq diagnostics",
  0x14: "Hidden FAT16 <32M",
  0x16: "Hidden FAT16",
  0x17: "Hidden NTFS",
  0x1b: "Hidden FAT32",
  0x1c: "Hidden FAT32 (LBA)",
  0x1e: "Hidden FAT16 (LBA)",
  0x27: "Windows Recovery",
  0x42: "Windows LDM (dynamic disk)",
  0x82: "Linux swap",
  0x83: "Linux",
  0x85: "Linux extended",
  0x8e: "Linux LVM",
  0xa5: "FreeBSD",
  0xee: "GPT protective",
  0xef: "EFI System",
  0xfd: "Linux RAID",
};

/** MBR types whose partition holds a chain of EBRs. */
export const extendedMbrTypes: ReadonlySet<number> = new Set([0x05, 0x0f, 0x85]);

export function mbrTypeName(type: number): string {
  return mbrTypeNames[type] ?? `Unknown (0x${type.toString(16).padStart(2, "0")})`;
}

export const GptType = {
  basicData: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
  efiSystem: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  microsoftReserved: "E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
  windowsRecovery: "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",
  ldmMetadata: "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3",
  ldmData: "AF9B60A0-1431-4F62-BC68-3311714A69AD",
} as const;

const gptTypeNames: Record<string, string> = {
  [GptType.basicData]: "Microsoft basic data",
  [GptType.efiSystem]: "EFI System",
  [GptType.microsoftReserved]: "Microsoft reserved",
  [GptType.windowsRecovery]: "Windows Recovery",
  [GptType.ldmMetadata]: "Windows LDM metadata",
  [GptType.ldmData]: "Windows LDM data",
  "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D": "Windows Storage Spaces",
  "21686148-6449-6E6F-744E-656564454649": "BIOS boot",
  "0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux",
  "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
  "E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
  "A19D880F-05FC-4D3B-A006-743F0F84911E": "Linux RAID",
  "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709": "Linux root (x86-64)",
  "933AC7E1-2EB4-4F13-B844-0E14E2AEF915": "Linux home",
  "BC13C2FF-59E6-4262-A352-B275FD6F7172": "Linux extended boot",
};

export function gptTypeName(typeGuid: string): string {
  return gptTypeNames[typeGuid] ?? `Unknown (${typeGuid})`;
}
