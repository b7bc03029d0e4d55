/**
 * A volume of an opened target: a partition (or a bare volume, or a mounted folder) and the
 * filesystem on it, opened on first use.
 */
import { FsError, P2vfixError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { detectFileSystem, type DetectedFileSystem } from "../fs/detect.js";
import { openFat } from "../fs/fat/index.js";
import type { FileSystem } from "../fs/filesystem.js";
import { openNtfs } from "../fs/ntfs/volume.js";
import type { Partition } from "../partition/index.js";

export type VolumeKind = DetectedFileSystem | "hostdir";

export interface VolumeParts {
  /** Partition number (1-based), or 0 for a bare volume or a mounted folder. */
  index: number;
  kind: VolumeKind;
  /** The volume's bytes (none for a mounted folder). */
  device?: BlockDevice;
  /** Its partition table entry (none for a bare volume or a folder). */
  partition?: Partition;
  /** Opens the filesystem (called once, on first use). */
  openFs: () => FileSystem;
}

export class Volume {
  readonly index: number;
  readonly kind: VolumeKind;
  readonly device: BlockDevice | undefined;
  readonly partition: Partition | undefined;
  private readonly openFs: () => FileSystem;
  private opened: FileSystem | undefined;
  private openError: unknown;

  constructor(parts: VolumeParts) {
    this.index = parts.index;
    this.kind = parts.kind;
    this.device = parts.device;
    this.partition = parts.partition;
    this.openFs = parts.openFs;
  }

  /** True when the filesystem is one p2vfix reads (NTFS, FAT, a host folder). */
  get readable(): boolean {
    return this.kind === "ntfs" || this.kind === "hostdir" || this.kind.startsWith("fat");
  }

  /** The filesystem; opens it on first call and remembers a failure. */
  fs(): FileSystem {
    if (this.opened) return this.opened;
    if (this.openError) throw this.openError;
    try {
      this.opened = this.openFs();
      return this.opened;
    } catch (err) {
      this.openError = err;
      throw err;
    }
  }

  /** "partition 2" / "volume" / "folder", for messages. */
  get name(): string {
    if (this.kind === "hostdir") return "folder";
    return this.index === 0 ? "volume" : `partition ${this.index}`;
  }
}

/** Detects and wraps the filesystem held by `device`. */
export function volumeOn(device: BlockDevice, index: number, partition?: Partition): Volume {
  let kind: VolumeKind;
  try {
    kind = detectFileSystem(device);
  } catch (err) {
    // A partition that runs past the end of the disk cannot even be probed.
    if (!(err instanceof P2vfixError)) throw err;
    kind = "unknown";
  }
  const openFs = (): FileSystem => {
    switch (kind) {
      case "ntfs":
        return openNtfs(device);
      case "fat12":
      case "fat16":
      case "fat32":
        return openFat(device);
      case "bitlocker":
        throw new FsError("bitlocker", `${index === 0 ? "the volume" : `partition ${index}`} is BitLocker-encrypted: unlock or decrypt it first (manage-bde -off on the source, or an unlocked export)`);
      default:
        throw new FsError("unknown-filesystem", `${index === 0 ? "the volume" : `partition ${index}`} holds no filesystem p2vfix reads (NTFS or FAT)`);
    }
  };
  return new Volume({ index, kind, device, ...(partition ? { partition } : {}), openFs });
}
