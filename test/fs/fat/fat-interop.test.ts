/**
 * FAT12/16/32 volumes made by mkfs.fat + mtools: the file list and every file's bytes must be
 * what mtools (mdir, mcopy) and sleuthkit (fls, icat) read. The volumes are read bare and
 * through the partition tables they sit in.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDevice } from "../../../src/io/index.js";
import type { BlockDevice } from "../../../src/io/block-device.js";
import { detectFileSystem } from "../../../src/fs/detect.js";
import { openFat } from "../../../src/fs/fat/index.js";
import type { FileInfo, FileSystem } from "../../../src/fs/filesystem.js";
import { readPartitionTable } from "../../../src/partition/index.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { fixtureFile } from "../../helpers/fixtures.js";

const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: "1", LC_ALL: "C.UTF-8" };

interface Volume {
  name: string;
  type: "fat12" | "fat16" | "fat32";
  label: string;
  image: string;
  /** Byte offset of the volume in the image. */
  offset: number;
  open(): BlockDevice;
}

function bare(type: Volume["type"]): Volume {
  const image = fixtureFile(`fat/${type}.img`);
  return { name: `${type}.img`, type, label: type.toUpperCase() + "TEST", image, offset: 0, open: () => new FileDevice(image) };
}

function inPartition(disk: string, index: number, type: Volume["type"]): Volume {
  const image = fixtureFile(`partition/${disk}.img`);
  const table = readPartitionTable(new FileDevice(image));
  const partition = table.partitions.find((p) => p.index === index)!;
  return { name: `${disk}.img partition ${index}`, type, label: type.toUpperCase() + "TEST", image, offset: partition.start, open: () => partition.device };
}

const volumes: Volume[] = [
  bare("fat12"),
  bare("fat16"),
  bare("fat32"),
  inPartition("mbr-extended", 6, "fat12"),
  inPartition("gpt-512", 1, "fat32"),
  inPartition("gpt-4096", 1, "fat16"),
];

function walk(fs: FileSystem, path = "", out: FileInfo[] = []): FileInfo[] {
  for (const entry of fs.list(path)) {
    out.push(entry);
    if (entry.isDirectory) walk(fs, entry.path, out);
  }
  return out;
}

describe.each(volumes)("$name", (volume) => {
  const fs = openFat(volume.open());
  const entries = walk(fs);

  it("has the FAT type and label mkfs.fat gave it", () => {
    expect(fs.type).toBe(volume.type);
    expect(detectFileSystem(volume.open())).toBe(volume.type);
    expect(fs.label).toBe(volume.label);
  });

  it("holds the tree placed by the fixture script", () => {
    const bcd = fs.stat("\\EFI\\Microsoft\\Boot\\BCD");
    expect(bcd).toMatchObject({ name: "BCD", path: "EFI/Microsoft/Boot/BCD", size: 8192, isDirectory: false });
    expect(fs.stat("efi/microsoft/boot/bcd")?.path).toBe("EFI/Microsoft/Boot/BCD");
    expect(fs.stat("EFI/MICROS~1/BOOT/BCD")?.path).toBe("EFI/Microsoft/Boot/BCD"); // 8.3 alias
    expect(fs.stat("lower.txt")?.name).toBe("lower.txt"); // 8.3 entry with the NT lower-case flags
    expect(fs.stat("Ünïcödé naïve файл.txt")?.size).toBe(3000);
    expect(fs.stat("ÜNÏCÖDÉ NAÏVE ФАЙЛ.TXT")?.name).toBe("Ünïcödé naïve файл.txt");
    expect(fs.stat("empty.dat")?.size).toBe(0);
    expect(fs.readFile("empty.dat")).toHaveLength(0);
    expect(fs.list("many")).toHaveLength(40);
    expect(fs.stat("nothing-here")).toBeUndefined();
    expect(fs.stat("big.bin/child")).toBeUndefined();
    expect(() => fs.readFile("nothing-here")).toThrowError(expect.objectContaining({ code: "not-found" }));
    expect(() => fs.readFile("EFI")).toThrowError(expect.objectContaining({ code: "is-directory" }));
    expect(() => fs.list("big.bin")).toThrowError(expect.objectContaining({ code: "not-a-directory" }));
  });

  it("reads ranges of a multi-cluster, fragmented file", () => {
    const whole = fs.readFile("fragmented.bin");
    expect(whole).toHaveLength(20000);
    expect(fs.readFileRange("FRAGMENTED.BIN", 4000, 9000)).toEqual(whole.subarray(4000, 13000));
    expect(fs.readFileRange("fragmented.bin", 19999, 1)).toEqual(whole.subarray(19999));
    expect(() => fs.readFileRange("fragmented.bin", 19999, 2)).toThrowError(expect.objectContaining({ code: "out-of-range" }));
    const opened = fs.openFile("Fragmented.Bin");
    expect(opened.size).toBe(20000);
    expect(opened.read(4000, 9000)).toEqual(whole.subarray(4000, 13000));
    expect(() => opened.read(19999, 2)).toThrowError(expect.objectContaining({ code: "out-of-range" }));
  });

  it.skipIf(!toolsAvailable("mdir", "mcopy"))("lists and reads exactly what mtools lists and extracts", () => {
    const target = `${volume.image}@@${volume.offset}`;
    const mdir = runTool("mdir", ["-/", "-a", "-b", "-i", target, "::"], { env: mtoolsEnv });
    expect(mdir.status, mdir.stderr).toBe(0);
    const expected = mdir.stdout
      .toString()
      .split("\n")
      .filter((l) => l.startsWith("::/"))
      .map((l) => l.slice(3).replace(/\/$/, ""))
      .sort();
    expect(entries.map((e) => e.path).sort()).toEqual(expected);

    const out = mkdtempSync(join(tmpdir(), "p2vfix-fat-"));
    try {
      const copy = runTool("mcopy", ["-s", "-n", "-m", "-i", target, "::/*", out], { env: mtoolsEnv });
      expect(copy.status, copy.stderr).toBe(0);
      const files = entries.filter((e) => !e.isDirectory);
      expect(files.length).toBeGreaterThan(50);
      for (const file of files) {
        expect(Buffer.from(fs.readFile(file.path)).equals(readFileSync(join(out, file.path))), file.path).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.skipIf(!toolsAvailable("fls", "icat", "istat"))("matches sleuthkit fls / icat", () => {
    const sectorOffset = String(volume.offset / 512);
    const sectorArgs = volume.name.includes("4096") ? ["-b", "4096", "-o", String(volume.offset / 4096)] : ["-o", sectorOffset];
    const fls = runTool("fls", ["-r", "-p", ...sectorArgs, volume.image]);
    expect(fls.status, fls.stderr).toBe(0);
    const listed = fls.stdout
      .toString()
      .split("\n")
      .map((l) => /^(\S)\/\S+ (\*?)\s*(\d+):\t(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[2] === "" && !m[4].startsWith("$") && !m[4].includes("(Volume Label Entry)"));
    expect(listed.map((m) => m[4]).sort()).toEqual(entries.map((e) => e.path).sort());
    const checked = listed.filter((x) => x[1] === "r" && /BCD|fragmented|big\.bin/.test(x[4]));
    expect(checked).toHaveLength(3);
    for (const m of checked) {
      const icat = runTool("icat", [...sectorArgs, volume.image, m[3]]);
      expect(Buffer.from(fs.readFile(m[4])).equals(icat.stdout), m[4]).toBe(true);
      // Timestamps to the second, as istat prints them (TZ=UTC: FAT times carry no zone).
      const istat = runTool("istat", [...sectorArgs, volume.image, m[3]], { env: { ...process.env, TZ: "UTC" } }).stdout.toString();
      const time = (label: string) => new RegExp(`${label}:\\s+(\\S+ \\S+)`).exec(istat)![1];
      const info = fs.stat(m[4])!;
      const fmt = (d: Date | undefined) => d!.toISOString().slice(0, 19).replace("T", " ");
      expect(fmt(info.modified)).toBe(time("Written"));
      expect(fmt(info.created)).toBe(time("Created"));
    }
  });
});
