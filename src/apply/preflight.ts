/**
 * Volume- and file-level checks before p2vfix writes a file inside an image
 * (disk-formats-notes §3.8, §6.3 items 7–13). Each failure is a RefusedError with a stable
 * code and a message saying what the user can do; nothing has been written when one is thrown.
 * Container-level checks (in use, differencing, VHDX log, dirty qcow2) are in transaction.ts
 * and locks.ts.
 */
import { statSync } from "node:fs";
import { RefusedError, RegfError } from "../errors.js";
import { isBitLockerVolume, volumeState, VolumeFlag } from "../fs/ntfs/volume-state.js";
import { NtfsVolume } from "../fs/ntfs/volume.js";
import type { Volume } from "../image/volume.js";
import { recoverHiveStrict, type LogInput, type RecoveryResult } from "../regf/internal.js";

export const RefusalCode = {
  bitlocker: "bitlocker",
  notNtfs: "not-ntfs",
  hibernated: "hibernated",
  fastStartup: "fast-startup",
  dirty: "ntfs-dirty",
  chkdsk: "ntfs-chkdsk-underway",
  logFileNotClean: "logfile-not-clean",
  fileCompressed: "file-compressed",
  fileSparse: "file-sparse",
  fileEncrypted: "file-encrypted",
  fileResident: "file-resident",
  fileReparse: "file-reparse-point",
  dirtyHive: "dirty-hive-unrecoverable",
} as const;

const capitalized = (text: string) => text[0].toUpperCase() + text.slice(1);
const BOOT_WINDOWS = "boot the machine into Windows and shut it down with `shutdown /s /t 0` (a full shutdown, not Fast Startup)";

/** The NTFS volume a hive lives on, refused when writing to it would not be safe. */
export function preflightVolume(volume: Volume, where: string): NtfsVolume {
  if (volume.device && isBitLockerVolume(volume.device)) {
    throw new RefusedError(RefusalCode.bitlocker, `${where}: the volume is BitLocker-encrypted; decrypt it on the source machine (manage-bde -off C:) before converting, or give p2vfix an unlocked export`);
  }
  if (volume.kind !== "ntfs") {
    // FAT (the ESP holding BCD) is read, but p2vfix does not write FAT yet.
    throw new RefusedError(RefusalCode.notNtfs, `${where}: writing files on a ${volume.kind} volume is not supported yet (only NTFS); edit a copy of the file on the host and copy it in with another tool`);
  }
  const fs = volume.fs();
  if (!(fs instanceof NtfsVolume)) throw new RefusedError(RefusalCode.notNtfs, `${where}: not an NTFS volume`);
  const state = volumeState(fs);
  if (state.hibernated.active) {
    throw new RefusedError(
      RefusalCode.hibernated,
      `${where}: Windows is hibernated or was shut down with Fast Startup (hiberfil.sys starts with "${state.hibernated.signature}"); on resume Windows would overwrite the change and may corrupt the volume. ${capitalized(BOOT_WINDOWS)}, or disable Fast Startup (powercfg /h off) before capturing the image`,
    );
  }
  if (state.logFileVersion === "2.0" && state.logFileClean !== true) {
    throw new RefusedError(RefusalCode.fastStartup, `${where}: Windows kept NTFS metadata in its cache (Fast Startup / hybrid shutdown, $LogFile 2.0 not clean). ${capitalized(BOOT_WINDOWS)}`);
  }
  if (state.logFileClean !== true) {
    throw new RefusedError(
      RefusalCode.logFileNotClean,
      `${where}: the NTFS $LogFile ${state.logFileClean === "unknown" ? "cannot be read" : "holds unfinished transactions"} (the volume was not unmounted cleanly); ${BOOT_WINDOWS}, or run chkdsk /f on it`,
    );
  }
  if (state.dirty) {
    throw new RefusedError(RefusalCode.dirty, `${where}: the NTFS volume is marked dirty (chkdsk pending); run chkdsk /f on it in Windows first (p2vfix never clears the flag itself)`);
  }
  if (state.volumeFlags & VolumeFlag.chkdskUnderway) {
    throw new RefusedError(RefusalCode.chkdsk, `${where}: chkdsk was interrupted on this volume; let it finish in Windows first`);
  }
  return fs;
}

/** The hive file itself: plain, non-resident data that can be overwritten in place. */
export function preflightFile(fs: NtfsVolume, path: string, where: string): void {
  const info = fs.stat(path);
  if (!info) return; // resolveInnerPath found it; a vanished file fails later with not-found.
  const advice = "clear the attribute in Windows (compact /u, cipher /d, or file Properties > Advanced) and capture the image again";
  if (info.compressed) throw new RefusedError(RefusalCode.fileCompressed, `${where} is NTFS-compressed; p2vfix writes only uncompressed files: ${advice}`);
  if (info.sparse) throw new RefusedError(RefusalCode.fileSparse, `${where} is a sparse file; p2vfix writes only plain files: ${advice}`);
  if (info.encrypted) throw new RefusedError(RefusalCode.fileEncrypted, `${where} is EFS-encrypted; it cannot be written offline: ${advice}`);
  const resolved = fs.resolve(path);
  if (resolved && fs.reparseTag(resolved.record) !== undefined) {
    throw new RefusedError(RefusalCode.fileReparse, `${where} is a reparse point (e.g. WOF/CompactOS compressed); p2vfix writes only plain files: ${advice}`);
  }
  if ((info.allocatedSize ?? 0) === 0 && info.size > 0) {
    throw new RefusedError(RefusalCode.fileResident, `${where} is stored inside its MFT record (resident); writing resident files is not supported`);
  }
}

/** A dirty hive must be recoverable from its logs before it is edited. */
export function preflightHiveRecovery(bytes: Uint8Array, logs: LogInput[], where: string): RecoveryResult {
  try {
    return recoverHiveStrict(bytes, logs);
  } catch (err) {
    if (err instanceof RegfError && err.code === "unrecoverable-dirty-hive") {
      throw new RefusedError(RefusalCode.dirtyHive, `${where}: ${err.message}; boot Windows once so it recovers the hive itself, or copy the missing .LOG1/.LOG2 files next to it`, { cause: err });
    }
    throw err;
  }
}

/**
 * An image file whose mode has no write bit was made read-only on purpose (an evidence copy,
 * a golden image): refused even for root, who could write it anyway, unless the user insists.
 */
export function refuseReadOnlyImage(imagePath: string, force: boolean): void {
  if (force) return;
  const st = statSync(imagePath);
  if (!st.isFile() || (st.mode & 0o222) !== 0) return;
  throw new RefusedError(
    "image-read-only",
    `${imagePath} is read-only (mode ${(st.mode & 0o777).toString(8).padStart(3, "0")}): someone protected it on purpose. Work on a copy, or make it writable (chmod u+w), or pass --force to write it anyway`,
    { path: imagePath },
  );
}
