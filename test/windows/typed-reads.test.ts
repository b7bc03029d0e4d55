/**
 * The typed reads of a hive key (readString, readMulti, readDword, stringValues, ValueNames)
 * read values where they are stored (RegKey.valuePosition, value.ts typeAt/stringAt/...): they
 * must answer exactly what the same reads through RegValues (`key.value(name)`, `values()`)
 * answer, errors included, on real hives and on hives whose value cells were damaged.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../src/errors.js";
import { Hive } from "../../src/regf/hive.js";
import { RegKey } from "../../src/regf/key.js";
import { openHive } from "../../src/regf/open.js";
import { RegType } from "../../src/regf/value-types.js";
import { readDword, readMulti, readString, stringValues, withValueIndex, type RegistryKey } from "../../src/windows/registry.js";
import { RememberedKey } from "../../src/windows/remembered-key.js";
import { ValueNames, type NamedValues } from "../../src/windows/value-names.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../helpers/corpus.js";

/** The reads as written against RegistryValue: the reference the in-place reads must match. */
const reference = {
  readString(key: RegistryKey, name: string): string | undefined {
    const v = key.value(name);
    if (!v) return undefined;
    if (v.type === RegType.SZ || v.type === RegType.EXPAND_SZ) return v.string();
    if (v.type === RegType.MULTI_SZ) return v.multiString()[0];
    return undefined;
  },
  readMulti(key: RegistryKey, name: string): string[] | undefined {
    const v = key.value(name);
    if (!v) return undefined;
    if (v.type === RegType.MULTI_SZ) return v.multiString().filter((s) => s.length > 0);
    if (v.type === RegType.SZ || v.type === RegType.EXPAND_SZ) {
      const s = v.string();
      return s.length > 0 ? [s] : [];
    }
    return undefined;
  },
  readDword(key: RegistryKey, name: string): number | undefined {
    const v = key.value(name);
    if (!v) return undefined;
    if (v.type === RegType.DWORD || v.type === RegType.DWORD_BIG_ENDIAN) return v.dword();
    if (v.type === RegType.QWORD) {
      const q = v.qword();
      return q !== undefined && q <= 0xffffffffn ? Number(q) : undefined;
    }
    return undefined;
  },
};

const reads = { readString, readMulti, readDword };

/** A result or the error code it failed with (only typed errors are allowed to escape). */
function outcome(read: () => unknown): unknown {
  try {
    return { ok: read() };
  } catch (err) {
    if (!(err instanceof P2vfixError)) throw err;
    return { error: err.code, message: err.message };
  }
}

/** Every name of the key as stored, in other cases, and one that is not there. */
function askedNames(key: RegKey): string[] {
  const names = outcome(() => key.values().map((v) => v.name)) as { ok?: string[] };
  const stored = names.ok ?? ["Start", "Type"];
  return [...stored, ...stored.map((n) => n.toUpperCase()), ...stored.map((n) => n.toLowerCase()), "absent"];
}

/** Each read of each name, on the key and on its value index, against the reference. */
function expectSameReads(key: RegKey): number {
  let compared = 0;
  const indexed = withValueIndex(key);
  const asked = [...new Set(askedNames(key))];
  // stringValues: the string values of values(), names and texts, or the same error.
  const listedStrings = outcome(() => {
    const strings = key.values().filter((v) => v.type === RegType.SZ || v.type === RegType.EXPAND_SZ);
    return strings.map((v) => [v.name, outcome(() => v.string())]);
  });
  const viaStringValues = outcome(() => {
    const strings = stringValues(key);
    return strings.names.map((name, i) => [name, outcome(() => strings.text(i))]);
  });
  expect(viaStringValues, `stringValues ${key.path}`).toEqual(listedStrings);
  // ValueNames checks every entry at once, as values() and the index do.
  const named = outcome(() => new ValueNames(asked).of(key)) as { ok?: NamedValues<string> };
  for (const name of asked) {
    for (const read of ["readString", "readMulti", "readDword"] as const) {
      const expected = outcome(() => reference[read](key, name));
      expect(outcome(() => reads[read](key, name)), `${key.path} ${read}(${name})`).toEqual(expected);
      // The index checks every entry first, as values() does: compare with values() + lookup.
      const listed = outcome(() => key.values());
      const viaIndex = outcome(() => reads[read](indexed, name));
      expect(viaIndex, `index ${key.path} ${read}(${name})`).toEqual("error" in (listed as object) ? listed : expected);
      expect(outcome(() => reads[read](new RememberedKey(key), name)), `remembered ${key.path} ${read}(${name})`).toEqual(expected);
      const viaNames = named.ok ? outcome(() => named.ok![read](name)) : named;
      expect(viaNames, `ValueNames ${key.path} ${read}(${name})`).toEqual("error" in (listed as object) ? listed : expected);
      compared++;
    }
  }
  return compared;
}

/** Keys of a hive breadth first, at most `limit`, tolerating damaged ones. */
function someKeys(root: RegKey, limit: number): RegKey[] {
  const out: RegKey[] = [root];
  for (let i = 0; i < out.length && out.length < limit; i++) {
    const subs = outcome(() => out[i].subkeys()) as { ok?: RegKey[] };
    for (const k of subs.ok ?? []) if (out.length < limit) out.push(k);
  }
  return out;
}

describe.skipIf(!hasCorpus())(`typed reads in place (${noCorpusReason})`, () => {
  it("answer as through RegValue for every value of every service of a Windows 7 SYSTEM hive", async () => {
    const services = openHive(await corpusBytes("hives/regipy/SYSTEM.xz")).root().key("ControlSet001\\Services")!;
    let compared = 0;
    for (const key of services.subkeys()) compared += expectSameReads(key);
    expect(compared).toBeGreaterThan(10_000);
  });

  it("answer as through RegValue on hives of odd values (big data, multi-strings, Unicode names, strings)", async () => {
    for (const rel of ["hives/yarp/BigDataHive", "hives/yarp/MultiSzHive", "hives/yarp/UnicodeHive", "hives/yarp/StringValuesHive", "hives/hivex/special", "hives/nt-hive/testhive", "hives/python-registry/UNICODE_TESTS"]) {
      const root = openHive(await corpusBytes(rel)).root();
      for (const key of someKeys(root, 200)) expectSameReads(key);
    }
  });

  it("answer as through RegValue for every value given each odd size and type", async () => {
    const bytes = new Uint8Array(await corpusBytes("hives/nt-hive/testhive"));
    const keys = someKeys(new Hive(bytes).root(), 200);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sizes = [0, 1, 2, 3, 4, 5, 8, 9, 0x4000, 0x80000000, 0x80000002, 0x80000004, 0x80000005, 0x80000008];
    const types = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 0xffff];
    let compared = 0;
    for (const key of keys) {
      for (const vkFile of key.valueOffsets().map((off) => 4096 + off + 4)) {
        for (const [field, variants] of [[4, sizes], [12, types]] as const) {
          const kept = view.getUint32(vkFile + field, true);
          for (const v of variants) {
            view.setUint32(vkFile + field, v, true);
            compared += expectSameReads(new Hive(bytes).key(key.path)!);
          }
          view.setUint32(vkFile + field, kept, true);
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it("fail as through RegValue when the value cells are damaged", async () => {
    const data = await corpusBytes("hives/nt-hive/testhive");
    // Damage aimed at the vk records (and the cell size before each): where the reads look.
    const vkFilePositions = someKeys(new Hive(new Uint8Array(data)).root(), 200).flatMap((k) => k.valueOffsets().map((off) => 4096 + off));
    expect(vkFilePositions.length).toBeGreaterThan(10);
    let failures = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(vkFilePositions.length - 1), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const bytes = new Uint8Array(data);
          for (const [which, delta, byte] of edits) bytes[vkFilePositions[which] + delta] = byte;
          const root = new Hive(bytes).root();
          for (const key of someKeys(root, 200)) {
            expectSameReads(key);
            if ("error" in (outcome(() => key.values().map((v) => v.string())) as object)) failures++;
          }
        },
      ),
      { numRuns: 80, seed: 424242 },
    );
    // The damage did reach the checks.
    expect(failures).toBeGreaterThan(10);
  });
});
