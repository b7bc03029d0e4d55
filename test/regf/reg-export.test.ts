/**
 * .reg export: regedit's format, and lossless — parsing the export back (src/regf/import)
 * gives every key and every value's type and exact bytes.
 */
import { describe, expect, it } from "vitest";
import { Hive } from "../../src/regf/hive.js";
import { exportReg, formatHex, losslessString, REG_HEADER, regExportBytes } from "../../src/regf/export/reg-export.js";
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
      expect(text.startsWith(REG_HEADER + "\r\n\r\n[HKEY_LOCAL_MACHINE\\TEST]\r\n")).toBe(true);
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
