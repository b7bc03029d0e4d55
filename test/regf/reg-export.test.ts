/**
 * .reg export: regedit's format, and lossless — parsing the export back (src/regf/import)
 * gives every key and every value's type and exact bytes.
 */
import { describe, expect, it } from "vitest";
import { RegfError } from "../../src/errors.js";
import { Hive } from "../../src/regf/hive.js";
import { exportReg, formatHex, losslessString, regExportBytes, regKeyPath, writeRegValue } from "../../src/regf/export/reg-export.js";
import { REG_HEADER_V5 } from "../../src/regf/import/reg-header.js";
import { TextSink, type SinkEncoding } from "../../src/regf/export/text-sink.js";
import { checkedValues, iterateKeys, KeyCellWalk } from "../../src/regf/walk.js";
import { FUZZ_SEEDS, mutate } from "../../scripts/fuzz-regf.js";
import { prng } from "../../scripts/fuzz-common.js";
import { exportJson } from "../../src/regf/export/json-export.js";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { corpusBytes, hasCorpus } from "../helpers/corpus.js";
import { hex, hiveKeySet, relativePath, type KeySet } from "./keyset.js";

const utf16 = (s: string) => new Uint8Array(Buffer.from(s, "utf16le"));

describe("lossless string rule", () => {
  it("quotes only strings that come back byte for byte", () => {
    expect(losslessString(utf16("abc\0"))).toBe("abc");
    expect(losslessString(utf16("\0"))).toBe("");
    expect(losslessString(utf16("abc"))).toBeUndefined(); // no terminator
    expect(losslessString(new Uint8Array(0))).toBeUndefined(); // empty: "" would import as one NUL
    expect(losslessString(new Uint8Array([0x61, 0, 0]))).toBeUndefined(); // odd length
    expect(losslessString(utf16("a\0b\0"))).toBeUndefined(); // embedded NUL
    expect(losslessString(utf16("ab\0\0"))).toBeUndefined(); // bytes after the terminator
    expect(losslessString(utf16("\ud800x\0"))).toBeUndefined(); // lone surrogate
    expect(losslessString(utf16("\u{1F600}\0"))).toBe("\u{1F600}"); // a valid pair is fine
    expect(losslessString(utf16("a\r\nb\0"))).toBeUndefined();
  });

  it("wraps hex like regedit: break once a line reaches 77 characters, continue with two spaces", () => {
    const data = new Uint8Array(100).map((_, i) => i);
    const head = '"a"=';
    const text = head + formatHex(3, data, head.length);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe('"a"=hex:' + [...data.subarray(0, 23)].map((b) => b.toString(16).padStart(2, "0") + ",").join("") + "\\");
    expect(lines[0].length).toBe(78);
    for (const l of lines.slice(1, -1)) {
      expect(l).toMatch(/^  ([0-9a-f]{2},){25}\\$/);
    }
    expect(lines.map((l) => l.replace(/^ {2}/, "").replace(/\\$/, "")).join("").replace('"a"=hex:', "").split(",").length).toBe(100);
    // Windows' own reg/regedit export breaks these two exactly here (Wine's conformance tests).
    const multi = utf16("Line1\0Line2\0Line3\0\0");
    expect('"Multiple strings"=' + formatHex(7, multi, 19)).toBe(
      '"Multiple strings"=hex(7):4c,00,69,00,6e,00,65,00,31,00,00,00,4c,00,69,00,6e,\\\r\n' +
        "  00,65,00,32,00,00,00,4c,00,69,00,6e,00,65,00,33,00,00,00,00,00",
    );
    expect('"String expansion"=' + formatHex(2, utf16("%HOME%\\%PATH%\0"), 19)).toBe(
      '"String expansion"=hex(2):25,00,48,00,4f,00,4d,00,45,00,25,00,5c,00,25,00,50,\\\r\n  00,41,00,54,00,48,00,25,00,00,00',
    );
    expect(formatHex(0xabcd, new Uint8Array([0x56, 0x61, 0x6c, 0x75, 0x65, 0]), 0)).toBe("hex(abcd):56,61,6c,75,65,00");
    expect(formatHex(0x1f4, new Uint8Array([1]), 0)).toBe("hex(1f4):01");
    expect(formatHex(3, new Uint8Array(0), 0)).toBe("hex:");
  });
});

function exportedKeySet(text: string, prefix: string): KeySet {
  const set: KeySet = new Map();
  for (const op of parseRegFile(text).ops) {
    if (op.kind === "key") set.set(relativePath(op.path, prefix), new Map());
    else if (op.kind === "value") set.get(relativePath(op.keyPath, prefix))!.set(op.name, { type: op.type, hex: hex(op.data) });
  }
  return set;
}

const roundTripHives = [
  "nt-hive/testhive",
  "yarp/StringValuesHive",
  "yarp/MultiSzHive",
  "yarp/BigDataHive",
  "yarp/ExtendedASCIIHive",
  "hivex/special",
  "hivex/rlenvalue_test_hive",
  "python-registry/UNICODE_TESTS",
  "EricZimmerman-Registry/SAM_hasBigEndianDWord",
  "regipy/BCD.xz",
  "dfwinreg/NTUSER.DAT",
  "regipy/SYSTEM.xz",
];

describe.skipIf(!hasCorpus())("export of corpus hives", () => {
  for (const rel of roundTripHives) {
    it(`${rel}: parse(export) has the same keys, value types and bytes`, async () => {
      const hive = new Hive(await corpusBytes(`hives/${rel}`));
      const prefix = "HKEY_LOCAL_MACHINE\\TEST";
      const text = exportReg(hive.root(), { prefix });
      expect(text.startsWith(REG_HEADER_V5 + "\r\n\r\n[HKEY_LOCAL_MACHINE\\TEST]\r\n")).toBe(true);
      expect(text.endsWith("\r\n\r\n")).toBe(true);
      expect(/[^\r]\n/.test(text)).toBe(false); // CRLF only
      for (const line of text.split("\r\n")) {
        // Continuation lines hold 25 bytes; a first line can only be longer when the name is.
        if (/^ {2}[0-9a-f]/.test(line)) expect(line.length).toBeLessThanOrEqual(78);
      }
      expect(exportedKeySet(text, prefix)).toEqual(hiveKeySet(hive));
      // The UTF-16 file (BOM + the same text) takes a separate fast path for strings.
      const utf16 = Buffer.concat([...regExportBytes(hive.root(), { prefix, encoding: "utf16le", chunkSize: 4096 })]);
      expect([...utf16.subarray(0, 2)]).toEqual([0xff, 0xfe]);
      expect(utf16.subarray(2).toString("utf16le") === text).toBe(true);
    });
  }

  it("writes REG_SZ quoted, DWORD as dword:, other types as hex(N):", async () => {
    const hive = new Hive(await corpusBytes("hives/nt-hive/testhive"));
    const text = exportReg(hive.key("data-test")!, { prefix: "HKEY_LOCAL_MACHINE\\T" });
    expect(text).toContain('[HKEY_LOCAL_MACHINE\\T\\data-test]\r\n"reg-sz"="sz-test"\r\n');
    expect(text).toContain('"reg-expand-sz"=hex(2):73,00,7a,00,2d,00,74,00,65,00,73,00,74,00,00,00\r\n');
    expect(text).toContain('"dword"=dword:0000002a\r\n');
    expect(text).toContain('"dword-big-endian"=hex(5):2a,00,00,00\r\n');
    expect(text).toContain('"qword"=hex(b):ff,ff,ff,ff,ff,ff,ff,ff\r\n');
    expect(text).toContain('"binary"=hex:01,02,03,04,05\r\n');
    const strings = exportReg(new Hive(await corpusBytes("hives/yarp/StringValuesHive")).key("key")!, { prefix: "P" });
    expect(strings).toContain('@="test тест"\r\n');
    expect(strings).toContain('"1"=hex:74,65,73,74\r\n');
    expect(strings).toContain('"3"="test тест "\r\n'); // slack after the data is not data
  });

  it("JSON export decodes and keeps raw bytes", async () => {
    const hive = new Hive(await corpusBytes("hives/nt-hive/testhive"));
    const doc = JSON.parse(exportJson(hive.key("data-test")!, { prefix: "P" }));
    expect(doc.format).toBe("p2vfix-registry");
    expect(doc.keys).toHaveLength(1);
    const byName = Object.fromEntries(doc.keys[0].values.map((v: { name: string }) => [v.name, v]));
    expect(byName["reg-sz"]).toMatchObject({ type: 1, typeName: "REG_SZ", data: "sz-test", size: 16 });
    expect(byName["reg-multi-sz"].data).toEqual(["multi-sz-test", "line2"]);
    expect(byName["qword"].data).toBe("18446744073709551615");
    expect(Buffer.from(byName["binary"].base64, "base64")).toEqual(Buffer.from([1, 2, 3, 4, 5]));
  });
});

/**
 * The export written the plain way, one RegKey and RegValue object at a time (iterateKeys,
 * checkedValues, writeRegValue): the oracle for regExportBytes' offset-based fast path.
 */
function referenceExport(hive: Hive, prefix: string, encoding: SinkEncoding): { bytes: Buffer; error?: string } {
  const sink = new TextSink(encoding, 1 << 16);
  if (encoding === "utf16le") sink.raw([0xff, 0xfe]);
  sink.ascii(REG_HEADER_V5 + "\r\n\r\n");
  const seen = new Set<number>();
  try {
    for (const { key } of iterateKeys(hive.root())) {
      sink.text(`[${regKeyPath(key, prefix)}]\r\n`);
      for (const v of checkedValues(key, seen)) writeRegValue(sink, v);
      sink.ascii("\r\n");
    }
  } catch (e) {
    return { bytes: Buffer.from(sink.take()), error: describeError(e) };
  }
  return { bytes: Buffer.from(sink.take()) };
}

/** `reuseBuffer`: chunks are views of one buffer, copied here before the next is asked for. */
function fastExport(hive: Hive, prefix: string, encoding: SinkEncoding, reuseBuffer = false): { bytes: Buffer; error?: string } {
  const chunks: Uint8Array[] = [];
  try {
    for (const chunk of regExportBytes(hive.root(), { prefix, encoding, chunkSize: 2048, reuseBuffer })) chunks.push(reuseBuffer ? new Uint8Array(chunk) : chunk);
  } catch (e) {
    return { bytes: Buffer.concat(chunks), error: describeError(e) };
  }
  return { bytes: Buffer.concat(chunks) };
}

/** Same error; same bytes, or (chunks end at key blocks) a prefix of the plain export before the error. */
function expectSameExport(got: { bytes: Buffer; error?: string }, want: { bytes: Buffer; error?: string }): void {
  expect(got.error).toBe(want.error);
  if (want.error === undefined) expect(got.bytes.equals(want.bytes)).toBe(true);
  else expect(want.bytes.subarray(0, got.bytes.length).equals(got.bytes)).toBe(true);
}

function describeError(e: unknown): string {
  if (!(e instanceof RegfError)) throw e;
  return `${e.code} | ${e.message} | ${e.offset} | ${e.path}`;
}

describe.skipIf(!hasCorpus())("fast export = the plain RegKey/RegValue export", () => {
  const hives = ["yarp/UnicodeHive", "python-registry/UNICODE_TESTS", "yarp/ExtendedASCIIHive", "hivex/special", "yarp/BigDataHive", "plaso/100_sub_keys.hiv", "yarp/WrongOrderHive", "yarp/DuplicateSubkeysHive", "yarp/ManySubkeysHive"];
  for (const rel of hives) {
    it(`${rel}: the same bytes in UTF-16 and UTF-8, with and without a prefix`, async () => {
      const hive = new Hive(await corpusBytes(`hives/${rel}`));
      for (const [prefix, encoding] of [["HKEY_LOCAL_MACHINE\\T", "utf16le"], ["", "utf8"], ["P\u00e9\ud83d\ude00", "utf8"], ["", "utf16le"]] as const) {
        const want = referenceExport(hive, prefix, encoding);
        expectSameExport(fastExport(hive, prefix, encoding), want);
        expectSameExport(fastExport(hive, prefix, encoding, true), want);
      }
    });
  }

  it("names with quotes, backslashes and lone surrogates, stored as UTF-16 and as Latin-1", async () => {
    const bytes = new Uint8Array(await corpusBytes("hives/python-registry/UNICODE_TESTS"));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const at = (offset: number) => 4096 + offset + 4; // a cell's data (its signature)
    let hive = new Hive(bytes);
    const key = hive.key("ASCII_KEY_NAME0")!;
    const values = key.values();
    const wide = values.find((v) => (v.flags & 1) === 0 && v.name.length >= 4)!;
    const latin = values.find((v) => (v.flags & 1) !== 0 && v.name.length >= 3)!;
    for (const [i, unit] of [0x5c, 0x22, 0xd800, 0x5c].entries()) view.setUint16(at(wide.offset) + 20 + 2 * i, unit, true);
    for (const [i, byte] of [0x22, 0x5c, 0xe9].entries()) bytes[at(latin.offset) + 20 + i] = byte;
    const wideKey = hive.key("UNICODE_JUMBLE_{H~\u2591\u00f4\u00ab}")!;
    for (const [i, unit] of [0x22, 0xdc00, 0xd83d, 0xde00].entries()) view.setUint16(at(wideKey.offset) + 76 + 2 * i, unit, true);
    // A root subkey with an empty name: its path is "" (the line holds the prefix alone).
    const emptyNamed = hive.root().subkeys().at(-1)!;
    view.setUint16(at(emptyNamed.offset) + 72, 0, true);
    hive = new Hive(bytes);
    for (const encoding of ["utf16le", "utf8"] as const) {
      for (const prefix of ["P", ""]) {
        const want = referenceExport(hive, prefix, encoding);
        expect(want.error).toBeUndefined();
        const text = want.bytes.toString(encoding === "utf8" ? "utf8" : "utf16le");
        expect(text).toContain('"\\\\\\"');
        expect(text).toContain(prefix === "" ? "\r\n[]\r\n" : "\r\n[P]\r\n");
        expectSameExport(fastExport(hive, prefix, encoding), want);
      }
    }
  });

  it("walks keys in iterateKeys' order and depths", async () => {
    const hive = new Hive(await corpusBytes("hives/plaso/100_sub_keys.hiv"));
    const walk = new KeyCellWalk(hive.root());
    const got: string[] = [];
    while (walk.next()) got.push(`${walk.offset}@${walk.depth}:${walk.path()}`);
    expect(got).toEqual([...iterateKeys(hive.root())].map(({ key, depth }) => `${key.offset}@${depth}:${key.path}`));
    expect(got.length).toBeGreaterThan(100);
  });

  it("400 mutated hives: the same error (code, message, offset, path) and the same bytes before it", { timeout: 20_000 }, async () => {
    const seeds = await Promise.all(FUZZ_SEEDS.map((f) => corpusBytes(f)));
    const random = prng(4242);
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = mutate(seeds, random);
      let hive: Hive;
      try {
        hive = new Hive(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(RegfError);
        continue;
      }
      const encoding = i % 2 === 0 ? "utf16le" : "utf8";
      const want = referenceExport(hive, "HKLM\\F", encoding);
      expectSameExport(fastExport(hive, "HKLM\\F", encoding), want);
      if (want.error !== undefined) refused++;
    }
    expect(refused).toBeGreaterThan(20); // the mutations do reach the export's checks
  });
});
