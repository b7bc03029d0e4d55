/**
 * Structural check of a hive file: the gate every write passes. Errors are states Windows
 * would reject or that lose data (bad base block, cells outside their bin, overlapping or
 * dangling references, unsorted lists, wrong hashes, too few security references); warnings
 * are states Windows itself leaves behind (unreachable "leaked" cells, security records with
 * surplus references, stale lf hints, trailing data after the bins).
 */
import { checkBaseBlock, walkCells } from "./layout-check.js";
import { emptyStats, Report, type CheckIssue, type CheckStats } from "./report.js";
import { TreeCheck, type CheckScope } from "./tree-check.js";

export type { CheckIssue, CheckStats };

export interface CheckResult {
  ok: boolean;
  errors: CheckIssue[];
  warnings: CheckIssue[];
  /** Issues not listed because there were too many. */
  omitted: number;
  stats: CheckStats;
}

export interface CheckOptions {
  /** Most issues listed per kind (errors, warnings); the rest are counted. Default 200. */
  maxIssues?: number;
  /**
   * Check only what an edit of these keys touches ("\\"-separated paths from the root): the
   * base block, every bin and cell header, and the keys along each path with their lists,
   * values and data (and, for `subtrees`, everything under them). Leaks and security reference
   * counts need the whole tree and are not checked. Default: the whole hive.
   */
  only?: CheckScope;
}

export function checkHive(bytes: Uint8Array, options: CheckOptions = {}): CheckResult {
  const report = new Report(options.maxIssues ?? 200);
  const stats = emptyStats();
  const result = (): CheckResult => ({ ok: report.errorCount === 0, errors: report.errors, warnings: report.warnings, omitted: report.omitted, stats });

  const sound = checkBaseBlock(bytes, report);
  if (!sound) return result();
  const { base, dataSize } = sound;
  stats.hiveBinsDataSize = dataSize;
  const allocated = walkCells(bytes, dataSize, report, stats);
  if (!allocated) return result();
  new TreeCheck(bytes, dataSize, base, allocated, report, stats, options.only).run();
  return result();
}

