/**
 * Read-only facts a writer must check before touching a volume: the $Volume dirty flag,
 * the $LogFile state, hibernation (hiberfil.sys) and BitLocker.
 */
import { NotFoundError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { AttributeType } from "./attribute.js";
import { isBitLockerBootSector } from "./boot-sector.js";
import { parseLogFileState } from "./log-file.js";
import { MftRecordNumber, type ReadableNtfsVolume } from "./readable-volume.js";

/** $Volume VOLUME_INFORMATION flags (libfsntfs, "Volume information attribute"). */
export const VolumeFlag = {
  dirty: 0x0001,
  resizeLogFile: 0x0002,
  upgradeOnMount: 0x0004,
  mountedOnNt4: 0x0008,
  deleteUsnUnderway: 0x0010,
  repairObjectIds: 0x0020,
  chkdskUnderway: 0x4000,
  modifiedByChkdsk: 0x8000,
} as const;

export interface HibernationState {
  /** hiberfil.sys exists in the root. */
  file: boolean;
  /** Its first four bytes as text (case matters), when the file has at least four bytes. */
  signature?: string;
  /**
   * True when the signature says a memory image waits to be resumed, so the volume's on-disk
   * state is not what Windows will believe it is after resuming:
   * - "hibr": hibernated (PO_MEMORY_IMAGE signature; volatility "Hiber Address Space" wiki,
   *   https://github.com/volatilityfoundation/volatility/wiki/Hiber-Address-Space; moonpoint
   *   "Accessing hiberfil.sys": "hibr as the first four bytes" after hibernation);
   * - "HIBR": the Windows 8+ format of the same, written by hibernation and by Fast Startup /
   *   hybrid shutdown (artefacts.help "hiberfil.sys"; ntfs-3g refuses a read-write mount on
   *   either, dfir.ru "Hibernation and NTFS").
   * Not active: "wake"/"WAKE" (a resume was started from the image, which is then stale:
   * moonpoint), all zeros (Windows 8+ zeroes the header after booting: artefacts.help).
   * Anything else (e.g. "RSTR") is reported in `signature` with active false; the write path
   * decides whether to warn (disk-formats-notes §6.3 item 10).
   */
  active: boolean;
}

export interface VolumeState {
  /** $Volume VOLUME_INFORMATION flags bit 0x0001 (set while mounted, cleared on clean dismount; chkdsk runs at boot when set). */
  dirty: boolean;
  /** All VOLUME_INFORMATION flags, for the caller to log. */
  volumeFlags: number;
  /** $LogFile restart area says no client has open transactions (or the log is reset). */
  logFileClean: boolean | "unknown";
  /** Restart page version ("1.1"; "2.0" is written by Windows 8+). */
  logFileVersion?: string;
  hibernated: HibernationState;
  /** Always false for an opened volume: openNtfs refuses BitLocker. See isBitLockerVolume. */
  bitlocker: boolean;
  label?: string;
  version: string;
}

/** True when the device holds a BitLocker-encrypted volume (boot sector OEM id "-FVE-FS-"). */
export function isBitLockerVolume(device: BlockDevice): boolean {
  return device.size >= 512 && isBitLockerBootSector(device.read(0, 512));
}

const ACTIVE_SIGNATURES = new Set(["hibr", "HIBR"]);

function hibernationState(vol: ReadableNtfsVolume): HibernationState {
  const resolved = vol.resolve("/hiberfil.sys");
  if (!resolved) return { file: false, active: false };
  let head: Uint8Array;
  try {
    const stream = vol.stream(resolved.record, AttributeType.data, "");
    head = stream.read(0, Math.min(4, stream.size));
  } catch (err) {
    if (err instanceof NotFoundError) return { file: true, active: false };
    throw err;
  }
  if (head.length < 4) return { file: true, active: false };
  const signature = String.fromCharCode(...head);
  return { file: true, signature, active: ACTIVE_SIGNATURES.has(signature) };
}

function logFileState(vol: ReadableNtfsVolume): { clean: boolean | "unknown"; version?: string } {
  try {
    const stream = vol.stream(MftRecordNumber.logFile, AttributeType.data, "");
    const state = parseLogFileState(stream.read(0, Math.min(stream.size, 2 * 65536)));
    return { clean: state.state !== "dirty", ...(state.version ? { version: state.version } : {}) };
  } catch {
    // A $LogFile we cannot read is neither clean nor dirty for sure: the caller must refuse.
    return { clean: "unknown" };
  }
}

export function volumeState(vol: ReadableNtfsVolume): VolumeState {
  const log = logFileState(vol);
  const state: VolumeState = {
    dirty: (vol.volumeFlags & VolumeFlag.dirty) !== 0,
    volumeFlags: vol.volumeFlags,
    logFileClean: log.clean,
    hibernated: hibernationState(vol),
    bitlocker: false,
    version: vol.version,
  };
  if (log.version) state.logFileVersion = log.version;
  if (vol.label !== undefined) state.label = vol.label;
  return state;
}
