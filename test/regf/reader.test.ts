/** Reader behaviour on the corpus hives built to exercise one feature each. */
import { describe, expect, it } from "vitest";
import { CellSpace } from "../../src/regf/cells/cell.js";
import { KeyFlags, readNk } from "../../src/regf/cells/nk.js";
import { iterateKeys } from "../../src/regf/walk.js";
import { Hive } from "../../src/regf/hive.js";
import { compareNames, lhHash, namesEqual, upcaseName } from "../../src/regf/names.js";
import { RegType, regTypeName, regTypeNumber } from "../../src/regf/value-types.js";
import { filetimeToDate } from "../../src/regf/base-block.js";
import { corpusBytes, hasCorpus } from "../helpers/corpus.js";

const open = async (rel: string) => new Hive(await corpusBytes(`hives/${rel}`));
const utf16z = (s: string) => new Uint8Array(Buffer.from(s + "\0", "utf16le"));

describe("names", () => {
  it("upper-cases per UTF-16 unit as Windows does", () => {
    expect(upcaseName("abcäöü")).toBe("ABCÄÖÜ");
    expect(upcaseName("ß")).toBe("ß"); // its upper case is two letters: kept
    expect(upcaseName("ａ")).toBe("Ａ");
    expect(namesEqual("привет", "ПРИВЕТ")).toBe(true);
    expect(namesEqual("\u{10438}", "\u{10410}")).toBe(false); // surrogates never fold
    expect(compareNames("a", "B")).toBeLessThan(0);
    expect(compareNames("_", "a")).toBeGreaterThan(0); // '_' (0x5F) sorts after 'A' (0x41)
  });
  it("type names and numbers", () => {
    expect(regTypeName(RegType.MULTI_SZ)).toBe("REG_MULTI_SZ");
    expect(regTypeName(500)).toBe("REG_0x1f4");
    expect(regTypeNumber("reg_qword")).toBe(11);
    expect(regTypeNumber("REG_0x1f4")).toBe(500);
    expect(regTypeNumber("nonsense")).toBeUndefined();
  });
});

describe.skipIf(!hasCorpus())("reader on feature hives", () => {
  it("nt-hive testhive: big data boundary (only > 16344 bytes in db), exact bytes", async () => {
    const hive = await open("nt-hive/testhive");
    const key = hive.key("big-data-test")!;
    for (const [name, size, fill] of [["A", 16343, 0x41], ["B", 16344, 0x42], ["C", 16345, 0x43]] as const) {
      const v = key.value(name)!;
      expect(v.dataSize).toBe(size);
      const data = v.data();
      expect(data.length).toBe(size);
      expect(data.every((b) => b === fill)).toBe(true);
    }
    expect(hive.stats().bigDataValues).toBe(2); // C and reg-multi-sz-big
  });

  it("nt-hive testhive: strings, multi strings, dword, big-endian dword, qword, binary", async () => {
    const key = (await open("nt-hive/testhive")).key("DATA-TEST")!;
    expect(key.value("reg-sz")!.string()).toBe("sz-test");
    expect(key.value("reg-sz")!.dataSize).toBe(16);
    expect(key.value("REG-SZ-WITH-TERMINATING-NUL")!.data()).toEqual(utf16z("sz-test"));
    expect(key.value("reg-expand-sz")!.type).toBe(RegType.EXPAND_SZ);
    expect(key.value("reg-multi-sz")!.multiString()).toEqual(["multi-sz-test", "line2"]);
    const big = key.value("reg-multi-sz-big")!.multiString();
    expect(big.length).toBe(2);
    expect(big[0].length).toBeGreaterThan(8000);
    expect(key.value("dword")!.dword()).toBe(42);
    expect(key.value("dword-big-endian")!.dword()).toBe(42 * 0x1000000);
    expect(key.value("qword")!.qword()).toBe(0xffffffffffffffffn);
    expect(key.value("qword")!.dword()).toBeUndefined();
    expect([...key.value("binary")!.data()]).toEqual([1, 2, 3, 4, 5]);
    expect(key.value("missing")).toBeUndefined();
  });

  it("nt-hive testhive: case-insensitive lookup with Windows' upper-casing", async () => {
    const enc = (await open("nt-hive/testhive")).key("character-encoding-test")!;
    expect(enc.subkey("ÄÖÜ")!.name).toBe("äöü");
    expect(enc.subkey("ａ")!.name).toBe("Ａ"); // fullwidth a folds to fullwidth A
    expect(enc.subkey("\u{10410}")!.name).toBe("\u{10410}");
    expect(enc.subkey("\u{10438}")!.name).toBe("\u{10438}"); // a different key: no folding across surrogates
    const many = (await open("nt-hive/testhive")).key("subkey-test")!;
    expect(many.subkeyCount).toBeGreaterThan(500);
    expect(many.subkeys().length).toBe(many.subkeyCount);
  });

  it("lh hints stored by Windows equal lhHash of the names", async () => {
    const hive = await open("nt-hive/testhive");
    const space = new CellSpace(hive.bytes, hive.dataSize, hive.baseBlock.minorVersion);
    let checked = 0;
    for (const { key } of iterateKeys(hive.root())) {
      if (key.subkeyCount === 0) continue;
      const leaves: number[] = [];
      const top = space.cell(readNk(space, key.offset).subkeyList, "list");
      if (space.signature(top) === "ri") for (let i = 0; i < space.u16(top + 2); i++) leaves.push(space.cell(space.u32(top + 4 + 4 * i), "leaf"));
      else leaves.push(top);
      for (const leaf of leaves) {
        if (space.signature(leaf) !== "lh") continue;
        for (let i = 0; i < space.u16(leaf + 2); i++) {
          const nk = readNk(space, space.u32(leaf + 4 + 8 * i));
          expect(space.u32(leaf + 8 + 8 * i)).toBe(lhHash(nk.name));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(lhHash("ab")).toBe((0x41 * 37 + 0x42) >>> 0);
  });

  it("yarp: ri with 5000 subkeys, deep path, case-insensitive", async () => {
    const hive = await open("yarp/ManySubkeysHive");
    expect(hive.key("KEY_WITH_MANY_SUBKEYS")!.subkeyCount).toBe(5000);
    expect(hive.key("key_with_many_subkeys\\2119\\FIND_ME")!.path).toBe("key_with_many_subkeys\\2119\\find_me");
    expect(hive.key("key_with_many_subkeys\\5001")).toBeUndefined();
  });

  it("yarp: big data default value and 81725-byte value", async () => {
    const key = (await open("yarp/BigDataHive")).key("key_with_bigdata")!;
    const def = key.value("")!.data();
    expect(def.length).toBe(16345);
    expect(def.every((b) => b === 0x31)).toBe(true);
    const v = key.value("v")!.data();
    expect(v.length).toBe(81725);
    expect(v.every((b) => b === 0x32)).toBe(true);
  });

  it("yarp: strings with and without terminator, invalid UTF-16, slack after the terminator", async () => {
    const key = (await open("yarp/StringValuesHive")).key("key")!;
    expect(key.value("")!.string()).toBe("test тест");
    expect([...key.value("1")!.data()]).toEqual([...Buffer.from("test")]); // 4 raw bytes, not text
    expect(key.value("2")!.string()).toBe("test тест");
    expect(key.value("3")!.string()).toBe("test тест ");
  });

  it("yarp: multi strings, compressed names, UTF-16 names, user flags", async () => {
    const multi = (await open("yarp/MultiSzHive")).key("key")!;
    expect(multi.value("1")!.multiString()).toEqual([]);
    expect(multi.value("2")!.multiString()).toEqual(["привет", "как дела?"]);
    expect(multi.value("")).toBeUndefined();
    const ext = (await open("yarp/ExtendedASCIIHive")).key("ËIGENAARDIG")!;
    expect(ext.name).toBe("ëigenaardig");
    expect(ext.flags & KeyFlags.COMP_NAME).toBe(KeyFlags.COMP_NAME);
    expect(ext.value("ëigenaardig")!.string()).toBe("ëigenaardig");
    const uni = await open("yarp/UnicodeHive");
    expect(uni.key("ПРИВЕТ\\ключ")!.path).toBe("Привет\\Ключ");
    expect(uni.root().securityDescriptor()!.length).toBe(144);
    const flags = await open("yarp/NewFlagsHive");
    expect(flags.key("1\\2")).toBeDefined();
    expect(filetimeToDate(flags.key("1")!.lastWritten).getUTCFullYear()).toBeGreaterThan(2010);
  });

  it("yarp: wrong base block size field is repaired by walking the bins", async () => {
    const eff = await open("yarp/EffectiveSizeHive");
    expect(eff.dataSizeSource).toBe("hbin-walk");
    expect(eff.dataSize).toBe(487424);
    expect(eff.stats().keys).toBe(5003);
    const garbage = await open("yarp/GarbageHive");
    expect(garbage.dataSize).toBe(4096); // exactly one bin, the garbage after it ignored
    expect(garbage.warnings.length).toBe(1);
  });

  it("yarp: unsorted subkey lists are read with a warning", async () => {
    const stats = (await open("yarp/WrongOrderHive")).stats();
    expect(stats.keys).toBe(11);
    expect(stats.warnings.length).toBe(2);
  });

  it("SAM: value types that are RIDs, big-endian dword", async () => {
    const hive = await open("EricZimmerman-Registry/SAM_hasBigEndianDWord");
    const types = new Set<number>();
    const walk = (k = hive.root()): void => {
      for (const v of k.values()) types.add(v.type);
      for (const s of k.subkeys()) walk(s);
    };
    walk();
    expect(types.has(RegType.DWORD_BIG_ENDIAN)).toBe(true);
    expect([...types].some((t) => t >= 500)).toBe(true);
  });

  it("class names and lazy open", async () => {
    const hive = await open("regipy/SYSTEM.xz");
    // Lsa\JD etc. carry class names in every SYSTEM hive.
    const jd = hive.key("ControlSet001\\Control\\Lsa\\JD")!;
    expect(jd.className()).toMatch(/^[0-9a-f]{8}$/i);
    expect(hive.root().className()).toBeUndefined();
  });
});

describe.skipIf(!hasCorpus())("subkey lookup", () => {
  it.each(["nt-hive/testhive", "yarp/WrongOrderHive", "yarp/ManySubkeysHive", "dfwinreg/SYSTEM"])(
    "finds every subkey of every key by its name in any case (%s: sorted lists by binary search, unsorted ones by scan)",
    async (rel) => {
      const hive = await open(rel);
      let checked = 0;
      const visit = (key: ReturnType<typeof hive.root>, depth: number) => {
        for (const child of key.subkeys()) {
          // Spellings Windows treats as the same name (JS lower-casing can cross surrogate pairs: U+10410 vs U+10438).
          const spellings = [child.name, child.name.toLowerCase(), upcaseName(child.name)].filter((s) => upcaseName(s) === upcaseName(child.name));
          for (const spelling of spellings) expect(key.subkey(spelling)?.offset).toBe(child.offset);
          checked++;
          if (depth < 6) visit(child, depth + 1);
        }
        expect(key.subkey("\u0000no such key\u0000")).toBeUndefined();
      };
      visit(hive.root(), 0);
      expect(checked).toBeGreaterThan(3);
    },
  );
});
