/**
 * Dirty-hive recovery from transaction logs, following the rules of the regf specification
 * (M. Suhanov), sections "Format of transaction log files", "Dirty state of a hive" and
 * "Multiple transaction log files", and his note on missing log entries (partial reconcile).
 *
 * - Dirty: the primary's sequence numbers differ or its base block checksum is wrong (or the
 *   base block is unreadable). A clean primary is returned as is; its logs are reported ignored.
 * - New format (.LOG1/.LOG2, type 6): only entries with a sequence number >= the primary's
 *   secondary sequence number apply. The log holding the earliest such entry goes first (usually
 *   LOG1; after a double rotation LOG2 may hold the earlier ones), the other continues only if its
 *   entries carry on the sequence. Replay stops at the first invalid or out-of-sequence entry.
 *   If the first applicable entry is later than the primary's sequence, the entries in between
 *   were reconciled into the primary without a base block update (partial reconcile): replay
 *   starts there, with a warning.
 * - Old format (.LOG, type 1/2): a log applies when its last-written timestamp equals the
 *   primary's (the first hbin's when the primary base block is invalid); its dirty pages are
 *   written, and replay stops at the first hive bin they leave invalid.
 * - A primary base block with a bad checksum (or unreadable) is rebuilt from a log's copy.
 * - Afterwards the base block is made clean: file type 0, hive bins data size and flags from the
 *   last entry, both sequence numbers = last applied sequence + 1, checksum recomputed.
 */
import { RegfError } from "../../errors.js";
import { BASE_BLOCK_SIZE, FileType, HBINS_START, checksumOk, parseBaseBlock, writeBaseBlockChecksum, type BaseBlock } from "../base-block.js";
import type { HvleEntry } from "./hvle-entry.js";
import { parseNewLog, type NewLog } from "./new-log.js";
import { parseOldLog, type OldLog } from "./old-log.js";
import type { AppliedLog, IgnoredLog, LogInput, RecoverOptions, RecoveryResult } from "./types.js";

const SEQ1 = 4;
const SEQ2 = 8;
const FILE_TYPE = 28;
const HBINS_SIZE = 40;
const FLAGS = 144;
const HBIN_HEADER_SIZE = 32;

type ParsedLog = { name: string; bytes: Uint8Array; format: "new"; log: NewLog } | { name: string; bytes: Uint8Array; format: "old"; log: OldLog };

interface PrimaryState {
  base?: BaseBlock;
  /** Why the base block cannot be trusted (bad checksum or unreadable). */
  baseBlockBad: boolean;
  unreadable?: RegfError;
}

interface Recovery {
  bytes: Uint8Array;
  applied: AppliedLog[];
  lastAppliedSequence: number;
  baseBlockRebuiltFrom?: string;
}

/** Recovers `primary` from its logs as Windows does when it loads the hive. Never modifies its inputs. */
export function recoverHive(primary: Uint8Array, logs: LogInput[], options: RecoverOptions = {}): RecoveryResult {
  const state = readPrimary(primary);
  const dirtyReasons: string[] = [];
  if (state.unreadable) dirtyReasons.push(`base block unreadable: ${state.unreadable.message}`);
  if (state.base) {
    if (state.base.primarySequence !== state.base.secondarySequence) {
      dirtyReasons.push(`sequence numbers differ (${state.base.primarySequence}/${state.base.secondarySequence})`);
    }
    if (!checksumOk(state.base)) {
      dirtyReasons.push(`base block checksum is wrong (stored 0x${state.base.storedChecksum.toString(16)}, computed 0x${state.base.computedChecksum.toString(16)})`);
    }
  }
  const dirty = dirtyReasons.length > 0;
  const ignoredLogs: IgnoredLog[] = [];
  const warnings: string[] = [];
  const parsed: ParsedLog[] = [];
  for (const input of logs) {
    const result = parseLog(input);
    if ("reason" in result) ignoredLogs.push(result);
    else parsed.push(result);
  }

  if (!dirty && state.base) {
    for (const log of parsed) ignoredLogs.push({ name: log.name, reason: cleanHiveLogReason(log, state.base) });
    return { bytes: primary, dirty, dirtyReasons, recovered: false, appliedLogs: [], ignoredLogs, warnings };
  }

  const newLogs = parsed.filter((log): log is Extract<ParsedLog, { format: "new" }> => log.format === "new");
  const oldLogs = parsed.filter((log): log is Extract<ParsedLog, { format: "old" }> => log.format === "old");
  const logBudget = logs.reduce((sum, log) => sum + log.bytes.length, 0);
  let recovery: Recovery | undefined;
  // A hive has logs of one format; should both be present, the new format (what Windows 8.1+
  // writes) is tried first and an old-format log only when it recovered nothing.
  if (newLogs.length > 0) recovery = recoverFromNewLogs(primary, state, newLogs, logBudget, ignoredLogs, warnings);
  if (recovery) {
    for (const oldLog of oldLogs) ignoredLogs.push({ name: oldLog.name, reason: "old-format log: the new-format logs were used" });
  } else if (oldLogs.length > 0) {
    recovery = recoverFromOldLogs(primary, state, oldLogs, ignoredLogs, warnings);
  }

  if (!recovery) {
    // Without a usable base block there is no hive to show: the parse error says why.
    if (state.unreadable) throw state.unreadable;
    const why = logs.length === 0 ? "no transaction logs were given" : "no transaction log could recover it";
    if (options.requireRecovery) {
      throw new RegfError("unrecoverable-dirty-hive", `hive is dirty (${dirtyReasons.join("; ")}) and ${why}`, { offset: 0 });
    }
    warnings.push(`hive is dirty (${dirtyReasons.join("; ")}) and ${why}: the view may be stale or inconsistent`);
    return { bytes: primary, dirty, dirtyReasons, recovered: false, appliedLogs: [], ignoredLogs, warnings };
  }
  const result: RecoveryResult = {
    bytes: recovery.bytes,
    dirty,
    dirtyReasons,
    recovered: true,
    appliedLogs: recovery.applied,
    ignoredLogs,
    warnings,
    lastAppliedSequence: recovery.lastAppliedSequence,
  };
  if (recovery.baseBlockRebuiltFrom !== undefined) result.baseBlockRebuiltFrom = recovery.baseBlockRebuiltFrom;
  return result;
}

/** Same as recoverHive with `requireRecovery`: for writers, which must not edit a dirty hive they cannot recover. */
export function recoverHiveStrict(primary: Uint8Array, logs: LogInput[]): RecoveryResult {
  return recoverHive(primary, logs, { requireRecovery: true });
}

function readPrimary(primary: Uint8Array): PrimaryState {
  try {
    const base = parseBaseBlock(primary, "primary hive");
    // A primary shorter than its base block cannot carry a valid one, whatever the checksum says.
    const bad = !checksumOk(base) || primary.length < BASE_BLOCK_SIZE;
    return { base, baseBlockBad: bad };
  } catch (err) {
    if (err instanceof RegfError) return { baseBlockBad: true, unreadable: err };
    throw err;
  }
}

function parseLog(input: LogInput): ParsedLog | IgnoredLog {
  const { name, bytes } = input;
  if (bytes.length === 0) return { name, reason: "empty file" };
  try {
    const type = bytes.length >= 32 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(FILE_TYPE, true) : -1;
    if (type === FileType.newLog) return { name, bytes, format: "new", log: parseNewLog(bytes, name) };
    if (type === FileType.oldLog || type === FileType.oldLogAlt) return { name, bytes, format: "old", log: parseOldLog(bytes, name) };
    // parseBaseBlock gives the precise reason for files that are not regf at all.
    const base = parseBaseBlock(bytes, name);
    return { name, reason: `not a transaction log (file type ${base.fileType})` };
  } catch (err) {
    if (err instanceof RegfError) return { name, reason: err.describe() };
    throw err;
  }
}

function cleanHiveLogReason(log: ParsedLog, base: BaseBlock): string {
  if (log.format === "old") {
    return log.log.base.secondarySequence < base.secondarySequence
      ? `stale: log sequence ${log.log.base.secondarySequence} is older than the primary's ${base.secondarySequence}`
      : "hive is clean: an old-format log is only used to recover a dirty hive";
  }
  const entries = log.log.entries;
  if (entries.length === 0) return `no valid log entries${log.log.stopReason ? ` (${log.log.stopReason})` : ""}`;
  const first = entries[0].sequence;
  const last = entries[entries.length - 1].sequence;
  if (last < base.secondarySequence) return `stale: log entries ${first}..${last} are older than the primary's sequence ${base.secondarySequence}`;
  return `hive is clean: log entries ${first}..${last} are not applied (Windows ignores the logs of a clean hive)`;
}

// ---------------------------------------------------------------------------------------------
// New format

interface Plan {
  log: Extract<ParsedLog, { format: "new" }>;
  entries: HvleEntry[];
}

function recoverFromNewLogs(
  primary: Uint8Array,
  state: PrimaryState,
  logs: Extract<ParsedLog, { format: "new" }>[],
  logBudget: number,
  ignored: IgnoredLog[],
  warnings: string[],
): Recovery | undefined {
  // Which base block to start from, and so which sequence number replay continues.
  let baseSource: Extract<ParsedLog, { format: "new" }> | undefined;
  let secondary: number;
  if (!state.baseBlockBad && state.base) {
    secondary = state.base.secondarySequence;
  } else {
    // Rebuild from the log with the earliest base block copy; when the primary's sequence number
    // can still be read, never from a log older than it (that would roll the hive back).
    const floor = state.base?.secondarySequence ?? 0;
    const candidates = logs.filter((log) => log.log.base.secondarySequence >= floor).sort((a, b) => a.log.base.secondarySequence - b.log.base.secondarySequence);
    baseSource = candidates[0];
    if (!baseSource) {
      for (const log of logs) ignored.push({ name: log.name, reason: `cannot rebuild the primary base block: log sequence ${log.log.base.secondarySequence} is older than the primary's ${floor}` });
      return undefined;
    }
    secondary = baseSource.log.base.secondarySequence;
  }

  // Subsequent entries of each log (entries within a log are consecutive, so this is a suffix).
  const candidates: Plan[] = [];
  for (const log of logs) {
    const entries = log.log.entries.filter((entry) => entry.sequence >= secondary);
    if (entries.length > 0) {
      candidates.push({ log, entries });
      continue;
    }
    const all = log.log.entries;
    ignored.push({
      name: log.name,
      reason:
        all.length === 0
          ? `no valid log entries${log.log.stopReason ? ` (${log.log.stopReason})` : ""}`
          : `stale: log entries ${all[0].sequence}..${all[all.length - 1].sequence} are older than the primary's sequence ${secondary}`,
    });
  }
  // Stable sort: on equal sequence numbers the caller's order (LOG1 before LOG2) decides.
  candidates.sort((a, b) => a.entries[0].sequence - b.entries[0].sequence);

  const plans: Plan[] = [];
  let last = -1;
  const maxLength = primary.length + logBudget;
  let neededLength = Math.max(primary.length, BASE_BLOCK_SIZE);
  for (const candidate of candidates) {
    let entries = candidate.entries;
    if (plans.length === 0) {
      if (entries[0].sequence !== secondary) {
        warnings.push(
          `log entries ${secondary}..${entries[0].sequence - 1} are not in the logs (written into the primary by a partial reconcile): replay starts at ${entries[0].sequence} in ${candidate.log.name}`,
        );
      }
    } else {
      entries = entries.filter((entry) => entry.sequence > last);
      if (entries.length === 0 || entries[0].sequence !== last + 1) {
        const from = entries.length > 0 ? entries[0].sequence : candidate.entries[candidate.entries.length - 1].sequence;
        ignored.push({ name: candidate.log.name, reason: `its entries (from ${from}) do not continue the sequence after ${last}` });
        continue;
      }
    }
    // Growth is bounded by what the logs can hold: a hostile size must not allocate gigabytes.
    const kept: HvleEntry[] = [];
    for (const entry of entries) {
      const length = HBINS_START + entry.hiveBinsDataSize;
      if (length > maxLength) {
        warnings.push(`${candidate.log.name}: replay stopped at entry ${entry.sequence}: hive bins data size ${entry.hiveBinsDataSize} is larger than the primary and its logs together`);
        break;
      }
      neededLength = Math.max(neededLength, length);
      kept.push(entry);
    }
    if (kept.length === 0) {
      ignored.push({ name: candidate.log.name, reason: `entry ${entries[0].sequence} is not usable` });
      break;
    }
    plans.push({ log: candidate.log, entries: kept });
    last = kept[kept.length - 1].sequence;
    if (candidate.log.log.torn) warnings.push(`${candidate.log.name}: a damaged entry ends the log (${candidate.log.log.stopReason})`);
    if (kept.length < entries.length) break;
  }
  if (plans.length === 0) return baseSource ? baseBlockOnly(primary, baseSource, warnings) : undefined;

  const out = new Uint8Array(neededLength);
  out.set(primary.subarray(0, Math.min(primary.length, neededLength)));
  if (baseSource) rebuildBaseBlock(out, baseSource.bytes.subarray(0, 512));
  const applied: AppliedLog[] = [];
  let lastEntry: HvleEntry | undefined;
  for (const plan of plans) {
    let pages = 0;
    let bytes = 0;
    for (const entry of plan.entries) {
      for (const page of entry.pages) {
        out.set(page.data, HBINS_START + page.hbinsOffset);
        pages++;
        bytes += page.data.length;
      }
      lastEntry = entry;
    }
    applied.push({
      name: plan.log.name,
      format: "new",
      firstSequence: plan.entries[0].sequence,
      lastSequence: plan.entries[plan.entries.length - 1].sequence,
      entries: plan.entries.length,
      pages,
      bytes,
    });
  }
  if (!lastEntry) return undefined;
  finishBaseBlock(out, { lastSequence: lastEntry.sequence, hbinsSize: lastEntry.hiveBinsDataSize, flags: lastEntry.flags });
  const recovery: Recovery = { bytes: out, applied, lastAppliedSequence: lastEntry.sequence };
  if (baseSource) recovery.baseBlockRebuiltFrom = baseSource.name;
  return recovery;
}

/**
 * A bad primary base block is rebuilt from the log's copy even when no entry is left to replay
 * (the hive bins are current, only the base block write was torn): Windows judges the rebuilt
 * block, not the damaged one, so a corrupt version or root offset does not make the hive unreadable.
 */
function baseBlockOnly(primary: Uint8Array, source: Extract<ParsedLog, { format: "new" }>, warnings: string[]): Recovery {
  const out = new Uint8Array(Math.max(primary.length, BASE_BLOCK_SIZE));
  out.set(primary);
  rebuildBaseBlock(out, source.bytes.subarray(0, 512));
  const sequence = source.log.base.secondarySequence;
  finishBaseBlock(out, { lastSequence: (sequence - 1) >>> 0, hbinsSize: source.log.base.hiveBinsDataSize });
  warnings.push(`${source.name}: the primary base block was rebuilt from this log's copy; no log entry was left to replay`);
  return { bytes: out, applied: [], lastAppliedSequence: (sequence - 1) >>> 0, baseBlockRebuiltFrom: source.name };
}

// ---------------------------------------------------------------------------------------------
// Old format

function recoverFromOldLogs(
  primary: Uint8Array,
  state: PrimaryState,
  logs: Extract<ParsedLog, { format: "old" }>[],
  ignored: IgnoredLog[],
  warnings: string[],
): Recovery | undefined {
  // The timestamp that ties a log to this primary: the base block's, or when that is invalid,
  // its backup copy in the first hive bin's header.
  let timestamp: bigint | undefined;
  if (!state.baseBlockBad && state.base) timestamp = state.base.lastWritten;
  else if (primary.length >= HBINS_START + HBIN_HEADER_SIZE && readU32(primary, HBINS_START) === 0x6e696268) {
    timestamp = new DataView(primary.buffer, primary.byteOffset, primary.byteLength).getBigUint64(HBINS_START + 20, true);
  }
  for (const [index, value] of logs.entries()) {
    const log = value.log;
    if (timestamp === undefined || log.base.lastWritten !== timestamp) {
      ignored.push({
        name: value.name,
        reason: timestamp === undefined ? "the primary has no readable last-written timestamp to match" : "not for this primary: its last-written timestamp differs",
      });
      continue;
    }
    const hbinsSize = log.base.hiveBinsDataSize;
    const length = Math.max(primary.length, HBINS_START + hbinsSize);
    // Every byte beyond the primary must come from a dirty page, so the log bounds the growth.
    if (length > primary.length + value.bytes.length) {
      ignored.push({ name: value.name, reason: `hive bins data size ${hbinsSize} is larger than the primary and this log together` });
      continue;
    }
    const out = new Uint8Array(length);
    out.set(primary);
    const rebuilt = state.baseBlockBad;
    if (rebuilt) rebuildBaseBlock(out, log.baseBlockCopy);
    for (const page of log.pages) out.set(page.data, HBINS_START + page.hbinsOffset);
    const stop = firstBadDirtyBin(out, hbinsSize, log);
    let pages = log.pages.length;
    let validSize = hbinsSize;
    if (stop !== undefined) {
      // Recovery stops at the first invalid dirty hive bin: undo the pages from there on.
      for (const page of log.pages) {
        if (page.hbinsOffset < stop) continue;
        const at = HBINS_START + page.hbinsOffset;
        out.fill(0, at, at + page.data.length);
        if (at < primary.length) out.set(primary.subarray(at, Math.min(primary.length, at + page.data.length)), at);
        pages--;
      }
      validSize = stop;
      warnings.push(`${value.name}: recovery stopped at hive bin 0x${stop.toString(16)}: it is invalid after applying the dirty pages`);
      if (pages === 0) {
        ignored.push({ name: value.name, reason: "its first dirty hive bin is invalid" });
        continue;
      }
    }
    const sequence = log.base.secondarySequence;
    finishBaseBlock(out, { lastSequence: sequence, hbinsSize: validSize });
    for (const other of logs.slice(index + 1)) ignored.push({ name: other.name, reason: `another old-format log (${value.name}) was applied` });
    const recovery: Recovery = {
      bytes: out,
      applied: [{ name: value.name, format: "old", firstSequence: sequence, lastSequence: sequence, entries: 1, pages, bytes: pages * 512 }],
      lastAppliedSequence: sequence,
    };
    if (rebuilt) recovery.baseBlockRebuiltFrom = value.name;
    return recovery;
  }
  return undefined;
}

/**
 * Walks the hive bins after the dirty pages were written and returns the offset (relative to
 * the hive bins data) of the first invalid bin up to the last dirty page, if any.
 */
function firstBadDirtyBin(hive: Uint8Array, hbinsSize: number, log: OldLog): number | undefined {
  const lastDirtyEnd = log.pages.length > 0 ? log.pages[log.pages.length - 1].hbinsOffset + 512 : 0;
  let offset = 0;
  // Each step advances by at least 4096 bytes, so the walk is bounded by hbinsSize / 4096; bins
  // after the last dirty page were not touched and are not the log's business.
  while (offset < hbinsSize && offset < lastDirtyEnd) {
    const at = HBINS_START + offset;
    if (at + HBIN_HEADER_SIZE > hive.length) return offset;
    const size = readU32(hive, at + 8);
    const valid = readU32(hive, at) === 0x6e696268 && readU32(hive, at + 4) === offset && size >= 4096 && size % 4096 === 0 && offset + size <= hbinsSize;
    if (!valid) return offset;
    offset += size;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Base block

/** Replaces the primary's base block by a log's copy (its first sector), as a primary again. */
function rebuildBaseBlock(hive: Uint8Array, copy: Uint8Array): void {
  hive.set(copy.subarray(0, Math.min(copy.length, BASE_BLOCK_SIZE)), 0);
  writeU32(hive, FILE_TYPE, FileType.primary);
}

/**
 * Makes the recovered base block current: both sequence numbers one past the last applied,
 * primary again, the hive bins' size, the flags the last entry carried (new-format logs only).
 */
function finishBaseBlock(hive: Uint8Array, { lastSequence, hbinsSize, flags }: { lastSequence: number; hbinsSize: number; flags?: number }): void {
  const next = (lastSequence + 1) >>> 0;
  writeU32(hive, SEQ1, next);
  writeU32(hive, SEQ2, next);
  writeU32(hive, FILE_TYPE, FileType.primary);
  writeU32(hive, HBINS_SIZE, hbinsSize);
  if (flags !== undefined) writeU32(hive, FLAGS, flags);
  writeBaseBlockChecksum(hive);
}

function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset, value >>> 0, true);
}
