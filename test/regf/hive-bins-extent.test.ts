/**
 * The base block's "hive bins data size" (offset 40) against the file and the bins present:
 * the reader (whole and on demand) and `reg check` size the hive bins data the same way
 * (src/regf/hive-bins-extent.ts), so a hive the reader accepts passes the check, and a hive
 * one refuses the other refuses with the same error code. Inputs: a generated hive with one
 * field patched, as the regf fuzzer (seed 303, inputs 7174, 14124, 19966) found them.
 */
import { describe, expect, it } from "vitest";
import { RegfError } from "../../src/errors.js";
import { MemoryDevice } from "../../src/io/memory-device.js";
import { writeBaseBlockChecksum } from "../../src/regf/base-block.js";
import { checkHive } from "../../src/regf/check/check-hive.js";
import { createHive } from "../../src/regf/edit/new-hive.js";
import { walkHbins } from "../../src/regf/hbin.js";
import { Hive } from "../../src/regf/hive.js";
import { openHiveOnDemand } from "../../src/regf/open.js";
import { RegType } from "../../src/regf/value-types.js";

/** A clean generated hive of several bins (the big value needs more than one). */
function generated(): Uint8Array {
  const e = createHive("ROOT", { now: () => new Date("2024-01-01T00:00:00Z") });
  for (const k of ["Alpha\\One", "Beta", "Gamma\\Two"]) e.createKey(k);
  e.setValue("Beta", "v", RegType.BINARY, new Uint8Array(64).fill(1));
  e.setValue("Beta", "big", RegType.BINARY, new Uint8Array(9000).fill(2));
  return e.serialize();
}

/** The generated hive with the hive bins data size set to `size`, the checksum left as it was (now wrong) or rewritten. */
function withBinsSize(size: number, checksum: "stale" | "rewritten", padTo?: number): Uint8Array {
  const source = generated();
  const bytes = new Uint8Array(Math.max(source.length, padTo ?? 0));
  bytes.set(source);
  new DataView(bytes.buffer).setUint32(40, size, true);
  if (checksum === "rewritten") writeBaseBlockChecksum(bytes);
  return bytes;
}

/** What the reader does with the whole file: its data size and key count, or its refusal. */
function read(bytes: Uint8Array): { dataSize: number; keys: number } | { refused: string } {
  try {
    const hive = new Hive(bytes);
    return { dataSize: hive.dataSize, keys: hive.stats().keys };
  } catch (e) {
    if (e instanceof RegfError) return { refused: e.code };
    throw e;
  }
}

/** The same on demand (512-byte chunks, unread bytes poisoned); undefined when it defers to the whole read. */
function readOnDemand(bytes: Uint8Array): { dataSize: number; keys: number } | undefined {
  const hive = openHiveOnDemand(new MemoryDevice(bytes, { writable: false }), [], "test", { poison: 0xa5, chunkSize: 512 });
  if (!hive) return undefined;
  try {
    return { dataSize: hive.dataSize, keys: hive.stats().keys };
  } finally {
    hive.close();
  }
}

describe("hive bins data size: reader and reg check agree", () => {
  const binsPresent = walkHbins(generated());

  it("the generated hive is sound and spans more than one bin", () => {
    expect(binsPresent).toBeGreaterThan(4096);
    expect(checkHive(generated()).ok).toBe(true);
    expect(read(generated())).toEqual({ dataSize: binsPresent, keys: 6 });
  });

  // A wrong checksum makes the base block invalid (regf spec: dirty; Windows restores it from a
  // log): its size field is not trusted, the bins present are read, and the check says so.
  const staleChecksum: [string, number, number | undefined][] = [
    ["fuzz 303-7174: size far past the end of a padded file", 0x10001000, 262144],
    ["fuzz 303-14124: size past the end of the file", 0x81000, undefined],
    ["fuzz 303-19966: size 0", 0, undefined],
    ["size smaller than the bins present (yarp EffectiveSizeHive)", 4096, undefined],
  ];
  for (const [name, size, padTo] of staleChecksum) {
    it(`wrong checksum, ${name}: both read the bins present`, () => {
      const bytes = withBinsSize(size, "stale", padTo);
      expect(read(bytes)).toEqual({ dataSize: binsPresent, keys: 6 });
      const check = checkHive(bytes);
      expect(check.stats.hiveBinsDataSize).toBe(binsPresent);
      expect(check.errors.map((e) => e.code)).toEqual(["bad-checksum"]);
      expect(check.warnings.map((w) => w.code)).toContain("hive-bins-size-from-bins");
    });
  }

  // A sound base block is authoritative (regf spec, offset 40): a file shorter than it says is
  // truncated, a malformed size is refused, a longer file is padding after the last bin.
  const soundBaseBlock: [string, number, string][] = [
    ["size past the end of the file", 0x81000, "truncated"],
    ["size 0", 0, "bad-hive-bins-size"],
    ["size not a multiple of 4096", binsPresent + 8, "bad-hive-bins-size"],
  ];
  for (const [name, size, code] of soundBaseBlock) {
    it(`right checksum, ${name}: both refuse with ${code}`, () => {
      const bytes = withBinsSize(size, "rewritten");
      expect(read(bytes)).toEqual({ refused: code });
      expect(readOnDemand(bytes)).toBeUndefined();
      const check = checkHive(bytes);
      expect(check.ok).toBe(false);
      expect(check.errors.map((e) => e.code)).toContain(code);
    });
  }

  it("right checksum, file longer than the bins: the field wins, the rest is padding", () => {
    const bytes = withBinsSize(binsPresent, "rewritten", binsPresent + 4096 + 16384);
    expect(read(bytes)).toEqual({ dataSize: binsPresent, keys: 6 });
    expect(readOnDemand(bytes)).toEqual({ dataSize: binsPresent, keys: 6 });
    const check = checkHive(bytes);
    expect(check.errors).toEqual([]);
    expect(check.warnings.map((w) => w.code)).toEqual(["trailing-data"]);
  });
});
