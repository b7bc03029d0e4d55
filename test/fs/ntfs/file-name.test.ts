/**
 * $FILE_NAME values (src/fs/ntfs/file-name.ts): the fields read without BigInt arithmetic, and
 * the times turned into Dates only when asked for, must give what a field-by-field 64-bit read
 * gives: references past 2^32, sizes past 2^53, times before 1970, names with surrogate pairs.
 */
import { describe, expect, it } from "vitest";
import { NtfsError } from "../../../src/errors.js";
import { parseFileName } from "../../../src/fs/ntfs/file-name.js";

const EPOCH_DIFF_100NS = 116444736000000000n;
const fileTime = (iso: string) => BigInt(Date.parse(iso)) * 10000n + EPOCH_DIFF_100NS;

function value(fields: { parent: bigint; created: bigint; modified: bigint; allocated: bigint; data: bigint; attributes: number; namespace: number; name: string }): Uint8Array {
  const units = Buffer.from(fields.name, "utf16le");
  const bytes = new Uint8Array(66 + units.length + 6); // room after the name, as in an index key
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, fields.parent, true);
  view.setBigUint64(8, fields.created, true);
  view.setBigUint64(16, fields.modified, true);
  view.setBigUint64(40, fields.allocated, true);
  view.setBigUint64(48, fields.data, true);
  view.setUint32(56, fields.attributes, true);
  bytes[64] = units.length / 2;
  bytes[65] = fields.namespace;
  bytes.set(units, 66);
  return bytes;
}

describe("$FILE_NAME", () => {
  it("reads every field as the 64-bit values say", () => {
    const parsed = parseFileName(
      value({
        parent: (0xbeefn << 48n) | 0x9abc_1234_5678n,
        created: fileTime("2024-01-02T03:04:05.678Z") + 9999n, // sub-millisecond part dropped
        modified: fileTime("1960-05-06T07:08:09.010Z"),
        allocated: 2n ** 53n + 3n,
        data: 0xffff_ffffn,
        attributes: 0x1000_0020,
        namespace: 1,
        name: "Ünï 😀.txt",
      }),
    );
    expect(parsed.parent).toEqual({ record: 0x9abc_1234_5678, sequence: 0xbeef });
    expect(parsed.created.toISOString()).toBe("2024-01-02T03:04:05.678Z");
    expect(parsed.modified.toISOString()).toBe("1960-05-06T07:08:09.010Z");
    expect(parsed.allocatedSize).toBe(Number(2n ** 53n + 3n));
    expect(parsed.dataSize).toBe(0xffff_ffff);
    expect(parsed.fileAttributes).toBe(0x1000_0020);
    expect(parsed.namespace).toBe(1);
    expect(parsed.name).toBe("Ünï 😀.txt");
  });

  it("a value too short for its name is a typed error with the offset, never a short name", () => {
    const full = value({ parent: 5n, created: 0n, modified: 0n, allocated: 0n, data: 0n, attributes: 0, namespace: 3, name: "name.txt" });
    for (const length of [10, 65, 66, full.length - 7]) {
      let error: unknown;
      try {
        parseFileName(full.subarray(0, length), 1000);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(NtfsError);
      expect((error as NtfsError).message).toMatch(/runs past the end/);
    }
  });
});
