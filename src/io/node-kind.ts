/**
 * What p2vfix can read at random offsets: a regular file or a block device. Anything else named
 * as an image is refused with what it is: a character device (/dev/zero never ends, a tape or a
 * macOS raw /dev/rdiskN cannot seek freely), a FIFO or a socket (a stream: opening one for
 * reading can wait forever for a writer).
 */
import { statSync, type Stats } from "node:fs";
import { ImageError } from "../errors.js";

/** undefined for a regular file, block device or folder; else what the node is, for a message. */
export function unreadableKind(stat: Pick<Stats, "isFile" | "isBlockDevice" | "isDirectory" | "isCharacterDevice" | "isFIFO" | "isSocket">): string | undefined {
  if (stat.isFile() || stat.isBlockDevice() || stat.isDirectory()) return undefined;
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

export function notADiskError(path: string, kind: string): ImageError {
  const mac = kind === "a character device" && process.platform === "darwin" ? " (on macOS name the block device /dev/diskN, not the raw /dev/rdiskN)" : "";
  return new ImageError("not-a-disk", `${path} is ${kind}: p2vfix reads disk images, block devices (/dev/sdb, /dev/vg/lv, /dev/loop0), hive files and folders, at random offsets${mac}`, { path });
}

/** True when `path` is a block device (false for anything else, or nothing there). */
export function isBlockDevicePath(path: string): boolean {
  try {
    return statSync(path).isBlockDevice();
  } catch {
    return false;
  }
}
