/**
 * $LogFile restart pages ("RSTR"), the first two pages of the log: they say whether the
 * volume was dismounted cleanly. Restart page header: chkdsk LSN @8, system page size @16,
 * log page size @20, restart area offset u16 @24, minor/major version i16 @26/@28. Restart
 * area: current LSN u64 @0, log clients @8, client free list @10, client in-use list @12,
 * flags @14 (0x0002 RESTART_VOLUME_IS_CLEAN). Sources: libfsntfs documentation ("$LogFile"),
 * and the linux-ntfs documentation of the restart area (flatcap.github.io/linux-ntfs).
 */
import { NtfsError } from "../../errors.js";
import { ntfsReader } from "./ntfs-reader.js";
import { applyFixups } from "./update-sequence.js";

const NO_CLIENT = 0xffff;
const RESTART_VOLUME_IS_CLEAN = 0x0002;

export interface LogFileState {
  /** "clean": no client has open transactions, or the clean flag is set; "empty": the log was
   * reset to 0xFF bytes (mkntfs, ntfs-3g after a mount), which is also clean. */
  state: "clean" | "dirty" | "empty";
  /** Log format version of the newest restart page, e.g. "1.1" (Windows 8+ can write 2.0). */
  version?: string;
  currentLsn?: bigint;
}

interface RestartPage {
  version: string;
  currentLsn: bigint;
  clientInUseList: number;
  flags: number;
}

function parseRestartPage(page: Uint8Array, base: number): RestartPage | undefined {
  const head = ntfsReader(page, base);
  if (head.ascii(0, 4) !== "RSTR") return undefined;
  const systemPageSize = head.u32(16);
  if (systemPageSize !== page.length) return undefined;
  const bytes = applyFixups(page, base, "$LogFile restart page");
  const byteReader = ntfsReader(bytes, base);
  const areaOffset = byteReader.u16(24);
  const area = byteReader.sub(areaOffset, 16, "$LogFile restart area");
  return {
    version: `${byteReader.u16(28)}.${byteReader.u16(26)}`,
    currentLsn: area.u64big(0),
    clientInUseList: area.u16(12),
    flags: area.u16(14),
  };
}

/**
 * Whether every byte equals the first: each byte compared with the one before it, in one memcmp
 * of the buffer against itself shifted by a byte. A log reset to 0xFF (every mkntfs volume, every
 * volume ntfs-3g or p2vfix wrote) is 128 KiB of them: a callback per byte took ~2 ms of a copy.
 */
function sameByteThroughout(bytes: Uint8Array): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.length === 0 || view.subarray(1).equals(view.subarray(0, view.length - 1));
}

/** Reads the state from the first bytes of $LogFile (at least two system pages). */
export function parseLogFileState(head: Uint8Array): LogFileState {
  if (head.length > 0 && head[0] === 0xff && sameByteThroughout(head)) return { state: "empty" };
  const byteReader = ntfsReader(head);
  const magic = byteReader.ascii(0, 4);
  if (magic !== "RSTR" && magic !== "CHKD") throw new NtfsError("bad-logfile", `$LogFile starts with ${JSON.stringify(magic)}, not a restart page`, { offset: 0 });
  const pageSize = byteReader.u32(16);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0 || pageSize * 2 > head.length) {
    throw new NtfsError("bad-logfile", `$LogFile system page size ${pageSize} is invalid`, { offset: 16 });
  }
  const pages = [parseRestartPage(head.subarray(0, pageSize), 0), parseRestartPage(head.subarray(pageSize, 2 * pageSize), pageSize)].filter(
    (restartPage): restartPage is RestartPage => restartPage !== undefined,
  );
  if (pages.length === 0) throw new NtfsError("bad-logfile", "$LogFile has no valid restart page", { offset: 0 });
  // The newer of the two copies is current.
  const current = pages.reduce((left, right) => (right.currentLsn > left.currentLsn ? right : left));
  const clean = current.clientInUseList === NO_CLIENT || (current.flags & RESTART_VOLUME_IS_CLEAN) !== 0;
  return { state: clean ? "clean" : "dirty", version: current.version, currentLsn: current.currentLsn };
}
