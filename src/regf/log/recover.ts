/**
 * Dirty-hive recovery entry point. INTERIM: decides dirtiness from the base block and
 * applies nothing yet; the transaction-log replay replaces the body of recoverHive.
 */
import { checksumOk, parseBaseBlock, sequencesDiffer } from "../base-block.js";
import type { LogInput, RecoveryResult } from "./types.js";

export function recoverHive(primary: Uint8Array, logs: LogInput[]): RecoveryResult {
  const base = parseBaseBlock(primary);
  const dirtyReasons: string[] = [];
  if (sequencesDiffer(base)) dirtyReasons.push(`sequence numbers differ (${base.primarySequence}/${base.secondarySequence})`);
  if (!checksumOk(base)) dirtyReasons.push("base block checksum is wrong");
  const dirty = dirtyReasons.length > 0;
  const warnings: string[] = [];
  if (dirty) warnings.push("hive is dirty and its transaction logs were not applied: the view may be stale");
  return {
    bytes: primary,
    dirty,
    dirtyReasons,
    recovered: false,
    appliedLogs: [],
    ignoredLogs: logs.map((l) => ({ name: l.name, reason: "log replay not available" })),
    warnings,
  };
}
