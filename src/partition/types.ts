import type { BlockDevice } from "../io/block-device.js";

export type PartitionScheme = "mbr" | "gpt" | "none";

export interface Partition {
  /** 1-based number as sfdisk and Windows give it: MBR primaries 1–4, logicals from 5; GPT slot + 1. */
  index: number;
  /** Byte offset of the first byte on the disk. */
  start: number;
  /** Length in bytes. */
  size: number;
  /** First sector and sector count in the table's sector units (what sfdisk/mmls print). */
  startSector: number;
  sectorCount: number;
  /** MBR type byte, GPT type GUID (upper case, as sfdisk prints it), or "volume" for an unpartitioned disk. */
  type: number | string;
  /** Human name of the type: "NTFS/exFAT", "EFI System", "Microsoft reserved", "Linux", "Extended"... */
  typeName: string;
  /** GPT partition name. */
  name?: string;
  /** GPT unique partition GUID. */
  guid?: string;
  /** GPT attribute bits as "0x" + 16 hex digits (a string: bits 48–63 do not fit a JS number, and JSON has no bigint). */
  attributes?: string;
  /** MBR status byte 0x80. */
  bootable?: boolean;
  /** MBR logical partition inside an extended one. */
  logical?: boolean;
  /** The partition's bytes. Throws a PartitionError when the partition runs past the end of the disk. */
  readonly device: BlockDevice;
}

export interface PartitionTable {
  scheme: PartitionScheme;
  sectorSize: 512 | 4096;
  /** GPT disk GUID, or the MBR disk signature as "0x" + 8 hex digits. */
  diskGuid?: string;
  partitions: Partition[];
  /** Things a careful reader should know (backup GPT used, EBR chain cut short...). */
  warnings: string[];
}
