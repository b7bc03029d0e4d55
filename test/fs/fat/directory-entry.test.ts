/** Directory entry decoding on hand-built entries: the cases mtools-made volumes rarely show. */
import { describe, expect, it } from "vitest";
import { parseDirectory, shortNameChecksum } from "../../../src/fs/fat/directory-entry.js";
import { decodeDosDateTime } from "../../../src/fs/fat/dos-time.js";

function shortEntry(name11: string, opts: { attr?: number; nt?: number; cluster?: number; size?: number } = {}): Uint8Array {
  const e = new Uint8Array(32);
  for (let i = 0; i < 11; i++) e[i] = name11.charCodeAt(i);
  e[11] = opts.attr ?? 0x20;
  e[12] = opts.nt ?? 0;
  const v = new DataView(e.buffer);
  v.setUint16(26, opts.cluster ?? 5, true);
  v.setUint32(28, opts.size ?? 10, true);
  v.setUint16(24, (45 << 9) | (6 << 5) | 15, true); // 2025-06-15
  v.setUint16(22, (13 << 11) | (37 << 5) | 21, true); // 13:37:42
  return e;
}

/** Long-name entries for `name`, last part first, as they are stored. */
function longEntries(name: string, checksum: number): Uint8Array[] {
  const units = [...name].map((c) => c.charCodeAt(0));
  units.push(0);
  while (units.length % 13) units.push(0xffff);
  const count = units.length / 13;
  const out: Uint8Array[] = [];
  for (let n = count; n >= 1; n--) {
    const e = new Uint8Array(32);
    const v = new DataView(e.buffer);
    e[0] = n | (n === count ? 0x40 : 0);
    e[11] = 0x0f;
    e[13] = checksum;
    const part = units.slice((n - 1) * 13, n * 13);
    const at = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
    part.forEach((u, i) => v.setUint16(at[i], u, true));
    out.push(e);
  }
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + 32); // trailing end marker
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe("directory entries", () => {
  const shortName = "LONGFI~1TXT";
  const checksum = shortNameChecksum(new TextEncoder().encode(shortName));

  it("joins long-name parts with a matching checksum", () => {
    const [e] = parseDirectory(concat([...longEntries("Long file name.txt", checksum), shortEntry(shortName)]));
    expect(e.name).toBe("Long file name.txt");
    expect(e.shortName).toBe("LONGFI~1.TXT");
    expect(e.modified?.toISOString()).toBe("2025-06-15T13:37:42.000Z");
  });

  it("drops long names whose checksum or sequence does not match (orphans after a rename by an old tool)", () => {
    const [bad] = parseDirectory(concat([...longEntries("Long file name.txt", checksum ^ 1), shortEntry(shortName)]));
    expect(bad.name).toBe("LONGFI~1.TXT");
    const parts = longEntries("Long file name.txt", checksum);
    const [skipped] = parseDirectory(concat([parts[0], shortEntry(shortName)])); // part 1 missing
    expect(skipped.name).toBe("LONGFI~1.TXT");
  });

  it("applies the NT lower-case flags, the 0x05 escape, and skips deleted, dot and after-end entries", () => {
    const deleted = shortEntry("\xe5ONE    TXT");
    const dot = shortEntry(".          ", { attr: 0x10 });
    const entries = parseDirectory(
      concat([
        dot,
        deleted,
        shortEntry("README  TXT", { nt: 0x08 }),
        shortEntry("README  TXT", { nt: 0x10 }),
        shortEntry("\x05BC     DAT"),
        shortEntry("LABEL      ", { attr: 0x08 }),
        new Uint8Array(32), // end of directory
        shortEntry("AFTER   END"),
      ]),
    );
    expect(entries.map((e) => [e.name, e.isVolumeLabel])).toEqual([
      ["readme.TXT", false],
      ["README.txt", false],
      ["\xe5BC.DAT", false],
      ["LABEL", true],
    ]);
  });

  it("decodes DOS dates and rejects impossible ones", () => {
    expect(decodeDosDateTime(0)).toBeUndefined();
    expect(decodeDosDateTime((10 << 9) | (13 << 5) | 1)).toBeUndefined(); // month 13
    expect(decodeDosDateTime((44 << 9) | (2 << 5) | 29, (23 << 11) | (59 << 5) | 29, 199)?.toISOString()).toBe("2024-02-29T23:59:59.990Z");
  });
});

describe("name case", () => {
  it("upper-cases unit by unit, never changing the length", async () => {
    const { upcaseName } = await import("../../../src/util/windows-names.js");
    expect(upcaseName("straße.txt")).toBe("STRAßE.TXT");
    expect(upcaseName("Ünïcödé файл")).toBe("ÜNÏCÖDÉ ФАЙЛ");
  });
});
