/**
 * A folder's $I30 entries as a writer session keeps them: sorted in collation FILENAME order
 * (index-tree.ts collateNames), each with its name mapped through $UpCase once, so a lookup
 * or an insertion compares plain strings instead of walking the table for every comparison.
 * Upper-cased names compared as JS strings (code units, a prefix first) order exactly as
 * UpCaseTable.compare does.
 */
import type { UpCaseTable } from "../upcase.js";
import type { RawIndexEntry } from "./index-entries.js";
import { upcasedName } from "./index-tree.js";

export interface FolderEntry extends RawIndexEntry {
  /** `name` through $UpCase. */
  upper: string;
}

/** Collation FILENAME: upper-cased names, then the names themselves. */
export function collateFolderEntries(left: { upper: string; name: string }, right: { upper: string; name: string }): number {
  if (left.upper !== right.upper) return left.upper < right.upper ? -1 : 1;
  return left.name < right.name ? -1 : left.name > right.name ? 1 : 0;
}

export class FolderEntries {
  /** True once the session changed them: the folder's index is rebuilt at commit. */
  dirty = false;
  /** short-name.ts shortNameFor's tails for this folder: valid while names are only added. */
  readonly shortNameTails = new Map<string, number>();

  /** `list` must already be in collation order (the caller checks the index it read). */
  constructor(
    private readonly upcase: UpCaseTable,
    private list: FolderEntry[],
  ) {}

  /** In collation order; changed only through insert and removeRecord. */
  get entries(): readonly FolderEntry[] {
    return this.list;
  }

  static fromIndex(upcase: UpCaseTable, entries: readonly RawIndexEntry[]): FolderEntries {
    return new FolderEntries(
      upcase,
      entries.map((entry) => ({ reference: entry.reference, key: entry.key, name: entry.name, namespace: entry.namespace, upper: upcasedName(upcase, entry.name) })),
    );
  }

  /** First position whose entry does not satisfy `before` (which holds for a prefix of the entries). */
  private lowerBound(before: (entry: FolderEntry) => boolean): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.list[mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first entry whose name equals `name` ignoring case. */
  find(name: string): FolderEntry | undefined {
    const upper = upcasedName(this.upcase, name);
    const at = this.lowerBound((entry) => entry.upper < upper);
    return at < this.list.length && this.list[at].upper === upper ? this.list[at] : undefined;
  }

  insert(raw: RawIndexEntry): void {
    const entry: FolderEntry = { reference: raw.reference, key: raw.key, name: raw.name, namespace: raw.namespace, upper: upcasedName(this.upcase, raw.name) };
    const entries = this.list;
    // Files copied in name order land after the last entry: no search.
    if (entries.length === 0 || collateFolderEntries(entries[entries.length - 1], entry) < 0) entries.push(entry);
    else entries.splice(this.lowerBound((other) => collateFolderEntries(other, entry) < 0), 0, entry);
    this.dirty = true;
  }

  /** Drops every entry naming MFT record `record` (all its names). */
  removeRecord(record: number): void {
    this.list = this.list.filter((entry) => Number(entry.reference & 0xffffffffffffn) !== record);
    this.dirty = true;
    this.shortNameTails.clear();
  }
}
