/**
 * Whether new files on a volume get DOS 8.3 short names, from the image's own SYSTEM hive:
 * HKLM\SYSTEM\CurrentControlSet\Control\FileSystem\NtfsDisable8dot3NameCreation (REG_DWORD).
 * Meaning (Microsoft Learn, "fsutil 8dot3name",
 * learn.microsoft.com/windows-server/administration/windows-commands/fsutil-8dot3name, and the
 * Windows Server 2003/2008 registry reference "NtfsDisable8dot3NameCreation", cc778996):
 *   0 create short names on all volumes; 1 on none; 2 per volume (the volume's own flag, set with
 *   `fsutil 8dot3name set C: 0|1`); 3 on the system volume only. Absent [judgement]: read as 0,
 *   NTFS's behaviour before the value existed (Windows 7 / 2008 R2 and later install it set).
 *
 * Value 2 needs the per-volume flag, which fsutil keeps on the volume in a place Microsoft does
 * not document: p2vfix cannot read it offline, so it creates no short names then (the safe
 * side: files without an alias are exactly what a volume with creation disabled holds; Windows
 * and chkdsk accept them) and says so. See docs/ntfs-create.md "Names".
 */
import { openHive } from "../regf/internal.js";
import { readHiveWithLogs } from "../image/hive-source.js";
import { locateWindows, type Volume } from "../image/index.js";
import { readControlSets } from "../windows/control-sets.js";
import { readDword, type RegistryKey } from "../windows/registry.js";
import { P2vfixError } from "../errors.js";

export interface ShortNamePolicy {
  /** Whether the writer makes 8.3 names on this volume. */
  create: boolean;
  /** NtfsDisable8dot3NameCreation as read (undefined: value or hive absent). */
  value?: number;
  /** Why, for people. */
  reason: string;
}

/** The policy for a volume given the value and whether the volume holds that Windows (its system volume). */
export function shortNamePolicy(value: number | undefined, systemVolume: boolean): ShortNamePolicy {
  const found = value === undefined ? {} : { value };
  switch (value) {
    case undefined:
      return { create: systemVolume, ...found, reason: systemVolume ? "NtfsDisable8dot3NameCreation is not set: Windows creates short names" : "no Windows installation on this volume to say whether it keeps short names: none created" };
    case 0:
      return { create: true, ...found, reason: "NtfsDisable8dot3NameCreation = 0: short names on every volume" };
    case 1:
      return { create: false, ...found, reason: "NtfsDisable8dot3NameCreation = 1: no short names" };
    case 3:
      return { create: systemVolume, ...found, reason: `NtfsDisable8dot3NameCreation = 3: short names on the system volume only${systemVolume ? "" : " (this is not it)"}` };
    case 2:
      return { create: false, ...found, reason: "NtfsDisable8dot3NameCreation = 2 (per volume): the volume's own flag cannot be read offline, so no short names are created" };
    default:
      return { create: false, ...found, reason: `NtfsDisable8dot3NameCreation = ${value} is not a documented value: no short names` };
  }
}

/** Reads NtfsDisable8dot3NameCreation from the Windows installed on `volume`, if any; undefined policy inputs when there is none. */
export function shortNamePolicyFor(volumes: readonly Volume[], volume: Volume): ShortNamePolicy {
  let installations;
  try {
    installations = locateWindows(volumes).installations.filter((installation) => installation.volume.index === volume.index);
  } catch (err) {
    if (err instanceof P2vfixError) return shortNamePolicy(undefined, false);
    throw err;
  }
  const system = installations[0]?.hives.get("SYSTEM");
  if (!system) return shortNamePolicy(undefined, false);
  try {
    const { bytes, logs } = readHiveWithLogs(installations[0].volume.fs(), system, true);
    const root = openHive(bytes, { logs, source: system, allowStale: true }).root() as unknown as RegistryKey;
    const fileSystem = root.subkey(readControlSets(root).resolved)?.subkey("Control")?.subkey("FileSystem");
    return shortNamePolicy(readDword(fileSystem, "NtfsDisable8dot3NameCreation"), true);
  } catch (err) {
    // A hive p2vfix cannot read says nothing about short names: the safe side, none.
    if (!(err instanceof P2vfixError)) throw err;
    return { create: false, reason: `${system} could not be read (${err.message}): no short names` };
  }
}
