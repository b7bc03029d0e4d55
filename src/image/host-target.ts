/**
 * What a host path named as a target is: an image file, a block device holding a disk (or a
 * container written onto one: a qcow2 on a raw LV is read by its content like a file), or a
 * folder (hive files, a mounted Windows root). Every command that opens a target asks here
 * first, so a character device, FIFO or socket is refused with a typed error before anything
 * opens it (a FIFO would wait for a writer forever).
 *
 * A target named through a symbolic link is followed (the user named it), but a block device is
 * only taken through links under /dev (udev's /dev/disk/by-id, /dev/mapper, /dev/VG/LV): a link
 * planted in an image folder others can write must not turn "the image" into a host disk.
 */
import { lstatSync, realpathSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import { NotFoundError, RefusedError } from "../errors.js";
import { notADiskError, unreadableKind } from "../io/node-kind.js";

export { isBlockDevicePath } from "../io/node-kind.js";

export type HostTargetKind = "file" | "block-device" | "directory";

function underDev(path: string): boolean {
  return resolve(path).startsWith(`${sep}dev${sep}`);
}

export function hostTargetKind(path: string): HostTargetKind {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError("target-not-found", `${path} does not exist`, { path });
    throw err;
  }
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "file";
  const unreadable = unreadableKind(st);
  if (unreadable) throw notADiskError(path, unreadable);
  if (lstatSync(path).isSymbolicLink() && !underDev(path)) {
    throw new RefusedError("device-through-link", `${path} is a symbolic link to the block device ${realpathSync(path)}: p2vfix takes a device only by its own name or through links under /dev; name the device itself`, { path });
  }
  return "block-device";
}
