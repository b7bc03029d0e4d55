/**
 * What the structural check reports: issues (errors and warnings, each list capped) and the
 * counts it gathered on the way.
 */

export interface CheckIssue {
  code: string;
  message: string;
  /** File offset the issue is about. */
  offset?: number;
  /** Key path ("" = root). */
  path?: string;
}

export interface CheckStats {
  hiveBins: number;
  hiveBinsDataSize: number;
  allocatedCells: number;
  allocatedBytes: number;
  freeCells: number;
  freeBytes: number;
  keys: number;
  values: number;
  securityRecords: number;
  leakedCells: number;
  leakedBytes: number;
}

/** Counts all at zero, for a check to fill in. */
export function emptyStats(): CheckStats {
  return {
    hiveBins: 0,
    hiveBinsDataSize: 0,
    allocatedCells: 0,
    allocatedBytes: 0,
    freeCells: 0,
    freeBytes: 0,
    keys: 0,
    values: 0,
    securityRecords: 0,
    leakedCells: 0,
    leakedBytes: 0,
  };
}

export class Report {
  readonly errors: CheckIssue[] = [];
  readonly warnings: CheckIssue[] = [];
  omitted = 0;
  errorCount = 0;
  constructor(private readonly max: number) {}
  error(code: string, message: string, where: { offset?: number; path?: string } = {}): void {
    this.errorCount++;
    if (this.errors.length < this.max) this.errors.push({ code, message, ...where });
    else this.omitted++;
  }
  warn(code: string, message: string, where: { offset?: number; path?: string } = {}): void {
    if (this.warnings.length < this.max) this.warnings.push({ code, message, ...where });
    else this.omitted++;
  }
}

export const hex = (value: number) => `0x${value.toString(16)}`;

