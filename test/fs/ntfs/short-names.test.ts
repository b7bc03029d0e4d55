/**
 * DOS 8.3 short names: the generator (RtlGenerate8dot3Name's documented rules, collisions
 * checked ignoring case), the policy read from NtfsDisable8dot3NameCreation, and volumes written
 * with short names read back by p2vfix, sleuthkit (lookup by the short name) and ntfs-3g (its
 * system.ntfs_dos_name view, and deleting such files), ntfsfix finding nothing wrong.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileDevice, MemoryDevice } from "../../../src/io/index.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import fc from "fast-check";
import { shortChars, shortNameFor } from "../../../src/fs/ntfs/create/short-name.js";
import { shortNamePolicy } from "../../../src/plan/short-name-policy.js";
import { writeFilesInImage } from "../../../src/plan/image-files.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { mkntfsVolume, tempDir } from "./create-helpers.js";
import { fixtureBytes } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("shortChars", () => {
  /** The rule character by character (code points): ASCII upper-cased, spaces and periods dropped, "_" for the rest. */
  const reference = (part: string): string => {
    let out = "";
    for (const original of part) {
      const ch = original <= "\x7f" ? original.toUpperCase() : "\u0080";
      if (ch === " " || ch === ".") continue;
      if (/[:;,+=[\]]/.test(ch)) out += "_";
      else if (/^[A-Z0-9!#$%&'()\-@^_`{}~]$/.test(ch)) out += ch;
      else out += "_";
    }
    return out;
  };

  it("keeps what the rule keeps, for ASCII, extended characters, pairs and lone surrogates", () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.constantFrom(0xd83d, 0xde00, 0xdbff, 0xdc00, 0x20, 0x2e, 0x3a, 0x5b));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 24 }), (units) => {
        const part = String.fromCharCode(...units);
        expect(shortChars(part)).toBe(reference(part));
      }),
      { numRuns: 3000 },
    );
    expect(shortChars("My File😀.x")).toBe("MYFILE_X");
  });
});

describe("shortNameFor", () => {
  const none = () => false;
  it("makes NAME~1.EXT from the first six kept characters and the first three of the last extension", () => {
    expect(shortNameFor("Long File Name.txt", none)).toBe("LONGFI~1.TXT");
    expect(shortNameFor("archive.tar.gz", none)).toBe("ARCHIV~1.GZ");
    expect(shortNameFor("Program Files", none)).toBe("PROGRA~1");
    expect(shortNameFor("setup.config", none)).toBe("SETUP~1.CON");
  });
  it("upper-cases a name that is 8.3 already; skips leading periods; '+,;=[]' and non-DOS characters become '_'", () => {
    expect(shortNameFor("readme.txt", none)).toBe("README.TXT");
    expect(shortNameFor(".bashrc", none)).toBe("BASHRC~1");
    expect(shortNameFor("a+b;c=d[1].txt", none)).toBe("A_B_C_~1.TXT");
    expect(shortNameFor("Überweisung.pdf", none)).toBe("_BERWE~1.PDF");
  });
  it("counts up past names the folder has (compared ignoring case), shortening the base for longer tails", () => {
    const taken = new Set(["LONGFI~1.TXT", "LONGFI~2.TXT", "README.TXT"]);
    const has = (c: string) => taken.has(c.toUpperCase());
    expect(shortNameFor("Long File Name.txt", has)).toBe("LONGFI~3.TXT");
    expect(shortNameFor("Readme.txt", has)).toBe("README~1.TXT");
    const many = new Set(Array.from({ length: 9 }, (_, i) => `LONGFI~${i + 1}.TXT`));
    expect(shortNameFor("Long File Name.txt", (c) => many.has(c))).toBe("LONGF~10.TXT");
  });
  it("with the folder's tails: the same names as without, each found from where the last one of its stem stopped", () => {
    const taken = new Set<string>();
    const tails = new Map<string, number>();
    let checks = 0;
    const has = (c: string) => {
      checks++;
      return taken.has(c.toUpperCase());
    };
    for (let i = 0; i < 200; i++) {
      const name = `file-${String(i).padStart(5, "0")}.txt`;
      const plain = shortNameFor(name, (c) => taken.has(c.toUpperCase()));
      expect(shortNameFor(name, has, tails)).toBe(plain);
      taken.add(plain);
    }
    expect(taken.has("FILE~200.TXT")).toBe(true);
    // One check per name (the upper-case form, the first tail tried) instead of one per earlier name.
    expect(checks).toBeLessThan(2 * 200 + 10);
  });
  it("a writer session reuses a freed short name after a removal (the tails are dropped)", () => {
    const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
    const w = openNtfs(device).writer({ shortNames: true });
    w.mkdir("/dos");
    for (const n of [1, 2, 3]) w.createFile(`/dos/Long File Name ${n}.txt`, new Uint8Array(1));
    w.remove("/dos/Long File Name 2.txt");
    w.createFile("/dos/Long File Name 4.txt", new Uint8Array(1));
    w.commit();
    const dos = openNtfs(device)
      .indexEntries("/dos")
      .filter((entry) => entry.fileName.namespace === 2)
      .map((entry) => entry.fileName.name);
    expect(dos).toEqual(["LONGFI~1.TXT", "LONGFI~2.TXT", "LONGFI~3.TXT"]);
  });
});

describe("shortNamePolicy (NtfsDisable8dot3NameCreation)", () => {
  it("0 everywhere, 1 nowhere, 3 on the system volume only, 2 (per-volume flag unreadable offline) none, absent as 0 on a Windows volume", () => {
    expect([0, 1, 2, 3, undefined, 7].map((v) => shortNamePolicy(v, true).create)).toEqual([true, false, false, true, true, false]);
    expect([0, 1, 2, 3, undefined].map((v) => shortNamePolicy(v, false).create)).toEqual([true, false, false, false, false]);
    expect(shortNamePolicy(2, true).reason).toMatch(/per volume/);
  });
});

const available = toolsAvailable("mkntfs", "ntfsfix", "ifind", "fls");

describe.skipIf(!available)("volumes written with short names", () => {
  it("every long name has its DOS alias in the index (300 files, index allocation): sleuthkit finds files by it, ntfs-3g shows and deletes them, ntfsfix is content", () => {
    const dir = tempDir();
    dirs.push(dir);
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 48 });
    const device = new FileDevice(image, { writable: true });
    const expected = new Map<string, string>();
    try {
      const w = openNtfs(device).writer({ shortNames: true });
      w.mkdir("/Some Folder");
      for (let i = 0; i < 300; i++) w.createFile(`/Some Folder/Long File Name ${i}.txt`, new TextEncoder().encode(`file ${i}\n`.repeat(i % 3 === 0 ? 500 : 1)));
      w.createFile("/Some Folder/README.TXT", new Uint8Array(10));
      w.commit();
    } finally {
      device.close();
    }
    const vol = openNtfs(new FileDevice(image));
    const entries = vol.indexEntries("/Some Folder");
    const byRecord = new Map<number, Array<{ name: string; namespace: number }>>();
    for (const e of entries) byRecord.set(e.reference.record, [...(byRecord.get(e.reference.record) ?? []), { name: e.fileName.name, namespace: e.fileName.namespace }]);
    for (const [record, names] of byRecord) {
      const long = names.find((n) => n.namespace !== 2)!;
      if (long.name === "README.TXT") {
        expect(names).toEqual([{ name: "README.TXT", namespace: 3 }]);
        continue;
      }
      const dos = names.filter((n) => n.namespace === 2);
      expect(long.namespace).toBe(1);
      expect(dos).toHaveLength(1);
      expect(dos[0].name).toMatch(/^LONG[A-Z~0-9]{4}\.TXT$/);
      // p2vfix's own lookup finds the file by its short name too.
      const [byDos, byLong] = [vol.stat(`/Some Folder/${dos[0].name}`), vol.stat(`/Some Folder/${long.name}`)];
      expect(byDos?.size).toBe(byLong?.size);
      expect(byDos?.size).toBeGreaterThan(0);
      expect(record).toBeGreaterThan(0);
      expected.set(long.name, dos[0].name);
    }
    expect(expected.size).toBe(300);
    // All DOS names differ, ignoring case.
    expect(new Set([...expected.values()].map((n) => n.toUpperCase())).size).toBe(300);
    expect(runTool("ntfsfix", ["-n", image]).status).toBe(0);
    // sleuthkit looks a short name up through the index (it pairs a DOS entry with the entry
    // right before it, so only aliases that sort next to their long name are found: the folder's).
    const byShort = runTool("ifind", ["-n", "/SOMEFO~1", image]).stdout.toString().trim();
    expect(byShort).toMatch(/^\d+$/);
    expect(byShort).toBe(runTool("ifind", ["-n", "/Some Folder", image]).stdout.toString().trim());
    const [someLong, someShort] = [...expected][137];
    if (existsSync("/dev/fuse") && toolsAvailable("ntfs-3g", "python3")) {
      const mnt = join(dir, "mnt");
      mkdirSync(mnt);
      if (runTool("ntfs-3g", [image, mnt]).status === 0) {
        try {
          const script = `import os,sys,json\nd=sys.argv[1]\nprint(json.dumps({n: os.getxattr(os.path.join(d,n),"system.ntfs_dos_name").decode() for n in os.listdir(d) if n != "README.TXT"}))`;
          const seen = JSON.parse(runTool("python3", ["-c", script, join(mnt, "Some Folder")]).stdout.toString()) as Record<string, string>;
          expect(new Map(Object.entries(seen))).toEqual(expected);
          // ntfs-3g deletes a file with a Win32 + DOS pair (its unlink removes both entries).
          expect(runTool("rm", [join(mnt, "Some Folder", someLong)]).status).toBe(0);
        } finally {
          runTool("umount", [mnt]);
        }
        expect(runTool("ntfsfix", ["-n", image]).status).toBe(0);
        const after = openNtfs(new FileDevice(image));
        expect(after.stat(`/Some Folder/${someShort}`)).toBeUndefined();
        expect(after.stat(`/Some Folder/${someLong}`)).toBeUndefined();
      }
    }
    // p2vfix deletes such a file too: both entries go.
    const other = [...expected][5];
    const rw = new FileDevice(image, { writable: true });
    try {
      openNtfs(rw).remove(`/Some Folder/${other[0]}`);
    } finally {
      rw.close();
    }
    expect(openNtfs(new FileDevice(image)).indexEntries("/Some Folder").some((e) => e.fileName.name === other[1])).toBe(false);
    expect(runTool("ntfsfix", ["-n", image]).status).toBe(0);
  });
});

/** A SYSTEM hive whose next boot's control set holds NtfsDisable8dot3NameCreation = value (none when undefined). */
function systemHive(value: number | undefined): Uint8Array {
  const h = createHive("ROOT");
  const dword = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  h.createKey("Select");
  h.setValue("Select", "Default", 4, dword(1));
  h.setValue("Select", "Current", 4, dword(1));
  h.createKey("ControlSet001\\Control\\FileSystem");
  if (value !== undefined) h.setValue("ControlSet001\\Control\\FileSystem", "NtfsDisable8dot3NameCreation", 4, dword(value));
  return h.serialize();
}

describe.skipIf(!toolsAvailable("mkntfs"))("cp into an image follows its NtfsDisable8dot3NameCreation", () => {
  for (const value of [0, 1, 2, 3, undefined]) {
    it(`value ${value ?? "absent"}: short names ${shortNamePolicy(value, true).create ? "made" : "not made"}`, () => {
      const dir = tempDir();
      dirs.push(dir);
      const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
      const device = new FileDevice(image, { writable: true });
      try {
        const w = openNtfs(device).writer();
        w.mkdir("/Windows/System32/config", { parents: true });
        w.createFile("/Windows/System32/config/SYSTEM", systemHive(value));
        w.commit();
      } finally {
        device.close();
      }
      const host = join(dir, "Long Script Name.cmd");
      writeFileSync(host, "echo hello\r\n");
      const report = writeFilesInImage(image, [{ kind: "copy", sources: [host], dest: "/", recursive: false }], { backupDir: dir });
      const expected = shortNamePolicy(value, true);
      expect(report.result.shortNames).toEqual({ create: expected.create, reason: expected.reason });
      const names = openNtfs(new FileDevice(image)).indexEntries("/").map((e) => e.fileName.name);
      expect(names).toContain("Long Script Name.cmd");
      expect(names.includes("LONGSC~1.CMD")).toBe(expected.create);
    });
  }
});
