import type { BlockDevice } from "../../io/block-device.js";
import type { FileSystem } from "../filesystem.js";
import { FatFileSystem } from "./fat-filesystem.js";

export { FatFileSystem } from "./fat-filesystem.js";
export { parseFatBootSector, type FatBootSector, type FatType } from "./boot-sector.js";

/** Opens a FAT12/16/32 volume read-only; throws FsError when the boot sector is not FAT. */
export function openFat(device: BlockDevice): FileSystem {
  return new FatFileSystem(device);
}
