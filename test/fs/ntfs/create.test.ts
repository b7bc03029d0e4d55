/**
 * Creating, overwriting and deleting files and folders (create/ntfs-writer.ts) on write.ntfs,
 * read back by a fresh p2vfix reader. Peer tools read the results in create-interop.test.ts.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryDevice } from "../../../src/io/index.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { FsError, NotFoundError, RefusedError, UsageError } from "../../../src/errors.js";
import { fixtureBytes } from "./helpers.js";
import { hiveLike } from "./write-helpers.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function fresh(): { device: MemoryDevice; vol: NtfsVolume } {
  const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
  return { device, vol: openNtfs(device) };
}

const reopen = (device: MemoryDevice) => openNtfs(device);
const text = (s: string) => new TextEncoder().encode(s);

describe("NtfsVolume.createFile / mkdir / remove", () => {
  it("creates empty, resident and non-resident files in a new folder, read back by a fresh reader", () => {
    const { device, vol } = fresh();
    vol.mkdir("/p2vfix/tools", { parents: true });
    const big = hiveLike(7, 300_001);
    const w = vol.writer();
    w.createFile("/p2vfix/tools/empty.txt", new Uint8Array(0));
    w.createFile("/p2vfix/tools/cleanup.cmd", text("@echo off\r\necho hi\r\n"));
    w.createFile("/p2vfix/tools/big.bin", big);
    w.commit();
    const again = reopen(device);
    expect(again.readFile("/p2vfix/tools/empty.txt").length).toBe(0);
    expect(new TextDecoder().decode(again.readFile("/P2VFIX/Tools/CLEANUP.CMD"))).toBe("@echo off\r\necho hi\r\n");
    expect(sha(again.readFile("/p2vfix/tools/big.bin"))).toBe(sha(big));
    expect(again.list("/p2vfix/tools").map((f) => f.name)).toEqual(["big.bin", "cleanup.cmd", "empty.txt"]);
    const info = again.stat("/p2vfix/tools/big.bin")!;
    expect(info.size).toBe(300_001);
    expect(info.allocatedSize).toBe(Math.ceil(300_001 / again.geometry.clusterSize) * again.geometry.clusterSize);
    // Existing files are untouched.
    expect(again.readFile("/Big/file-001.txt").length).toBe(10);
  });

  it("a folder of 1,500 files: every name found, listed in $UpCase collation order (root → allocation, node splits)", () => {
    const { device, vol } = fresh();
    const w = vol.writer();
    w.mkdir("/many");
    const names: string[] = [];
    for (let i = 0; i < 1500; i++) {
      // Mixed case and non-ASCII so the order depends on $UpCase, not on code units.
      const name = `${i % 3 === 0 ? "Ä" : i % 3 === 1 ? "a" : "B"}-${((i * 7919) % 1500).toString().padStart(4, "0")}-${"x".repeat(i % 40)}.dat`;
      names.push(name);
      w.createFile(`/many/${name}`, text(name));
    }
    w.commit();
    const again = reopen(device);
    const listed = again.list("/many").map((f) => f.name);
    const upper = (s: string) => Array.from(s, (c) => String.fromCharCode(again.upcase.upper(c.charCodeAt(0)))).join("");
    const expected = names.slice().sort((a, b) => (upper(a) < upper(b) ? -1 : upper(a) > upper(b) ? 1 : a.length - b.length));
    expect(listed).toEqual(expected);
    for (const name of names) expect(new TextDecoder().decode(again.readFile(`/many/${name.toLowerCase()}`))).toBe(name);
  });

  it("8 levels of folders, a 255-unit name and Unicode names", () => {
    const { device, vol } = fresh();
    const deep = "/d1/d2/d3/d4/d5/d6/d7/d8";
    vol.mkdir(deep, { parents: true });
    const long = "L".repeat(250) + ".txt";
    const w = vol.writer();
    w.createFile(`${deep}/${long}`, text("long"));
    w.createFile(`${deep}/日本語 – ñ 🎉.txt`, text("unicode"));
    w.commit();
    const again = reopen(device);
    expect(new TextDecoder().decode(again.readFile(`${deep}/${long}`))).toBe("long");
    expect(new TextDecoder().decode(again.readFile(`${deep}/日本語 – Ñ 🎉.TXT`))).toBe("unicode");
  });

  it("overwrites a file, deletes files and an empty folder, and frees their clusters and records", () => {
    const { device, vol } = fresh();
    const freeBefore = freeClusters(vol);
    vol.mkdir("/t");
    vol.createFile("/t/a.bin", hiveLike(1, 200_000));
    vol.createFile("/t/a.bin", hiveLike(2, 90_000), { overwrite: true });
    expect(sha(reopen(device).readFile("/t/a.bin"))).toBe(sha(hiveLike(2, 90_000)));
    expect(() => reopen(device).remove("/t")).toThrow(FsError);
    const v2 = reopen(device);
    v2.remove("/t/a.bin");
    v2.remove("/t");
    const v3 = reopen(device);
    expect(v3.stat("/t")).toBeUndefined();
    // The folder's index allocation was never needed; every cluster came back.
    expect(freeClusters(v3)).toBe(freeBefore);
    v3.remove("/Big", { recursive: true });
    expect(reopen(device).stat("/Big")).toBeUndefined();
  });

  it("in one session, new files take records in order, and a record freed by a removal is taken again first", () => {
    const { device, vol } = fresh();
    const w = vol.writer();
    const a = w.createFile("/a.txt", text("a"));
    const b = w.createFile("/b.txt", text("b"));
    const c = w.createFile("/c.txt", text("c"));
    expect([b - a, c - b]).toEqual([1, 1]);
    w.remove("/b.txt");
    expect(w.createFile("/d.txt", text("d"))).toBe(b);
    expect(w.createFile("/e.txt", text("e"))).toBe(c + 1);
    w.commit();
    const again = reopen(device);
    expect(["/a.txt", "/c.txt", "/d.txt", "/e.txt"].map((p) => new TextDecoder().decode(again.readFile(p)))).toEqual(["a", "c", "d", "e"]);
    expect(again.stat("/b.txt")).toBeUndefined();
  });

  it("refuses bad names, collisions and paths through files with a typed error, the device unchanged", () => {
    const { device, vol } = fresh();
    vol.mkdir("/x");
    vol.createFile("/x/Report.TXT", text("r"));
    const before = sha(device.read(0, device.size));
    const cases: Array<[string, () => void, new (...a: never[]) => Error, string]> = [
      ["reserved CON", () => vol.createFile("/x/CON", text("")), UsageError, "reserved-name"],
      ["reserved aux.txt", () => vol.createFile("/x/aux.txt", text("")), UsageError, "reserved-name"],
      ["invalid character", () => vol.createFile("/x/a?b", text("")), UsageError, "invalid-name"],
      ["trailing period", () => vol.createFile("/x/a.", text("")), UsageError, "invalid-name"],
      ["256 units", () => vol.createFile(`/x/${"n".repeat(256)}`, text("")), UsageError, "name-too-long"],
      ["case-insensitive collision", () => vol.createFile("/x/report.txt", text("")), FsError, "exists"],
      ["folder over a file", () => vol.mkdir("/x/REPORT.txt"), FsError, "exists"],
      ["path through a file", () => vol.createFile("/x/Report.TXT/inner", text("")), FsError, "not-a-directory"],
      ["missing parent", () => vol.createFile("/nope/a", text("")), NotFoundError, "not-found"],
      ["system file", () => vol.remove("/$MFT"), RefusedError, "system-file"],
      ["overwrite a folder", () => vol.createFile("/x", text(""), { overwrite: true }), FsError, "exists"],
    ];
    for (const [what, run, type, code] of cases) {
      let error: unknown;
      try {
        run();
      } catch (err) {
        error = err;
      }
      expect(error, what).toBeInstanceOf(type);
      expect((error as { code: string }).code, what).toBe(code);
    }
    expect(sha(device.read(0, device.size))).toBe(before);
  });

  it("refuses a full volume with nothing written", () => {
    const { device, vol } = fresh();
    const before = sha(device.read(0, device.size));
    const tooBig = { size: device.size, read: (_o: number, l: number) => new Uint8Array(l) };
    expect(() => vol.createFile("/huge.bin", tooBig)).toThrow(expect.objectContaining({ code: "volume-full" }));
    expect(sha(device.read(0, device.size))).toBe(before);
  });
});

/** Free clusters per $Bitmap. */
function freeClusters(vol: NtfsVolume): number {
  const bitmap = vol.readFile("/$Bitmap");
  let free = 0;
  for (let lcn = 0; lcn < vol.geometry.totalClusters; lcn++) if (!(bitmap[lcn >> 3] & (1 << (lcn & 7)))) free++;
  return free;
}
