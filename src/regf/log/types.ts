/** Contract between transaction-log recovery and the hive reader. */

export interface LogInput {
  /** File name as found (e.g. "NTUSER.DAT.LOG1"), used in reports. */
  name: string;
  bytes: Uint8Array;
}

export interface AppliedLog {
  name: string;
  format: "old" | "new";
  /** Sequence numbers of the first and last log entry applied (old format: the log's base block). */
  firstSequence: number;
  lastSequence: number;
  /** Log entries applied (old format: 1). */
  entries: number;
  /** Dirty pages written into the hive. */
  pages: number;
  /** Bytes of hive bins data written from this log. */
  bytes: number;
}

export interface IgnoredLog {
  name: string;
  reason: string;
}

export interface RecoveryResult {
  /** The primary as Windows would have it after recovery: a new buffer when anything was applied. */
  bytes: Uint8Array;
  /** The primary needed recovery (sequence numbers differ, or its base block checksum is wrong). */
  dirty: boolean;
  /** Why it is dirty, for a person: e.g. "sequence numbers differ (205/204)". */
  dirtyReasons: string[];
  /** Log data was applied to produce `bytes`. */
  recovered: boolean;
  appliedLogs: AppliedLog[];
  ignoredLogs: IgnoredLog[];
  /** Things a person should know (e.g. "dirty, no logs given: the view may be stale"). */
  warnings: string[];
  /**
   * Sequence number of the last log entry applied (old format: the log's), when recovered.
   * Both sequence numbers of the returned base block are this + 1: the state Windows' first
   * flush after recovery writes, which leaves every applied log entry older than the primary
   * (so Windows treats the logs as stale).
   */
  lastAppliedSequence?: number;
  /** The primary's base block was unreadable or had a bad checksum and was rebuilt from this log's copy. */
  baseBlockRebuiltFrom?: string;
}

export interface RecoverOptions {
  /**
   * Throw RegfError "unrecoverable-dirty-hive" instead of returning a dirty primary with a
   * warning when no log can recover it. The writer sets this: editing such a hive would
   * make the changes only in the logs permanently lost.
   */
  requireRecovery?: boolean;
}
