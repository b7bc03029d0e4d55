/**
 * $UpCase (MFT record 10): 65,536 UTF-16 code units mapping each unit to its upper case, as
 * the volume was formatted. File name collation and case-insensitive lookup go through it.
 */
import { NtfsError } from "../../errors.js";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class UpCaseTable {
  private readonly table: Uint16Array;
  private asciiStandard: boolean | undefined;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 65536 * 2) throw new NtfsError("bad-upcase", `$UpCase holds ${bytes.length} bytes, expected 131072`, { expected: 131072, actual: bytes.length });
    // One copy of the little-endian units; a loop decoding them one by one took ~8 ms of every
    // NTFS open (it runs once, before the JIT warms up). Big-endian hosts swap them after.
    const copy = new Uint8Array(65536 * 2);
    copy.set(bytes.subarray(0, 65536 * 2));
    this.table = new Uint16Array(copy.buffer);
    if (!LITTLE_ENDIAN) for (let i = 0; i < 65536; i++) this.table[i] = copy[2 * i] | (copy[2 * i + 1] << 8);
  }

  upper(unit: number): number {
    return this.table[unit];
  }

  /** True when the table maps 0-127 as ASCII upper-casing does (a-z to A-Z, the rest to themselves), as every formatter writes it. */
  get asciiIsStandard(): boolean {
    if (this.asciiStandard === undefined) {
      let standard = true;
      for (let unit = 0; unit < 128 && standard; unit++) standard = this.table[unit] === (unit >= 0x61 && unit <= 0x7a ? unit - 0x20 : unit);
      this.asciiStandard = standard;
    }
    return this.asciiStandard;
  }

  /** Collation FILENAME: upper-cased code units, then length. 0 means equal ignoring case. */
  compare(left: string, right: string): number {
    const length = Math.min(left.length, right.length);
    for (let i = 0; i < length; i++) {
      const leftUnit = this.table[left.charCodeAt(i)];
      const rightUnit = this.table[right.charCodeAt(i)];
      if (leftUnit !== rightUnit) return leftUnit < rightUnit ? -1 : 1;
    }
    return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
  }
}
