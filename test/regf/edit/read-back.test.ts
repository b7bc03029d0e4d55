/**
 * Saving verifies the written file by reading it back in pieces against the bytes it meant to
 * write (then checking those bytes): a file that differs anywhere, or has another size, fails.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VerifyError } from "../../../src/errors.js";
import { readBackEquals } from "../../../src/regf/edit/save.js";

describe("readBackEquals", () => {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-read-back-"));
  // Over two pieces of 1 MiB, so a difference in the second piece is looked for too.
  let x = 0x9e3779b9;
  const bytes = new Uint8Array((3 << 20) / 2 + 5).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
  const file = join(dir, "written");

  it("passes when the file holds the bytes", () => {
    writeFileSync(file, bytes);
    expect(() => readBackEquals(file, bytes, "hive")).not.toThrow();
  });

  it("fails on one byte changed in the second piece, naming where", () => {
    const changed = bytes.slice();
    changed[(1 << 20) + 10] ^= 1;
    writeFileSync(file, changed);
    let error: unknown;
    try {
      readBackEquals(file, bytes, "hive");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifyError);
    expect(error).toMatchObject({ code: "read-back-differs", offset: 1 << 20, path: "hive" });
  });

  it("fails on a file of another size", () => {
    writeFileSync(file, bytes.subarray(0, bytes.length - 1));
    expect(() => readBackEquals(file, bytes, "hive")).toThrow(/another size/);
  });
});
