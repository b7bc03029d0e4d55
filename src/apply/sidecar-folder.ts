/**
 * Where the files p2vfix keeps about an image go: its undo files, journal, writer lock and VM
 * link record. An image file keeps them beside it (`IMAGE.p2vfix-journal`, ...). A block device
 * cannot: beside /dev/sdb is /dev, a tmpfs that is gone at the next boot (in a pod, with the
 * pod), and not a place for files. For a device they go in a folder the user names
 * (`--backup-dir DIR`; in a batch, the image's folder in `--state DIR`), named after the device
 * node: `DIR/sdb.p2vfix-journal`, `DIR/sdb.<time>.p2vfix-undo`.
 */
import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { isBlockDevicePath } from "../io/node-kind.js";

/** The option that names the folder, for messages. */
export const SIDECAR_OPTION = "--backup-dir";

export function deviceNeedsFolder(imagePath: string): UsageError {
  return new UsageError(
    "device-needs-backup-dir",
    `${imagePath} is a block device: p2vfix keeps its undo files, journal and lock in a folder you name with ${SIDECAR_OPTION} DIR (on a filesystem that outlives the device node: /dev is lost at reboot, and with the pod in Kubernetes); \`p2vfix undo\` then needs the same ${SIDECAR_OPTION}`,
    { path: imagePath },
  );
}

/** The folder for a device's files; undefined for an image file (they stay beside it). Throws when a device has none. */
export function sidecarFolder(imagePath: string, folder: string | undefined): string | undefined {
  if (!isBlockDevicePath(imagePath)) return undefined;
  if (folder === undefined) throw deviceNeedsFolder(imagePath);
  return resolve(folder);
}

/** `IMAGE<suffix>` beside an image file, `FOLDER/DEVICE<suffix>` for a block device. */
export function sidecarPath(imagePath: string, suffix: string, folder: string | undefined): string {
  const dir = sidecarFolder(imagePath, folder);
  return dir === undefined ? `${imagePath}${suffix}` : join(dir, `${basename(imagePath)}${suffix}`);
}

/**
 * Makes the --backup-dir a write is about to put files in, when it does not exist yet (mode
 * 0700: undo files hold the image's original bytes). Called only on the write path, after a
 * dry run has returned, so a dry run creates nothing. An existing folder is used as it is.
 */
export function ensureSidecarFolder(folder: string | undefined): void {
  if (folder !== undefined) mkdirSync(resolve(folder), { recursive: true, mode: 0o700 });
}
