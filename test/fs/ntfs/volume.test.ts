import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/errors.js";
import { FileDevice, MemoryDevice, SliceDevice } from "../../../src/io/index.js";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { FileNameNamespace } from "../../../src/fs/ntfs/file-name.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import type { FileInfo } from "../../../src/fs/filesystem.js";
import { corpusBytes, corpusPath, hasCorpus } from "../../helpers/corpus.js";
import { hasTool } from "../../helpers/interop.js";
import { fixtureDevice, fixtureManifest } from "./helpers.js";

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Every file and directory under `path`, depth first (system files hidden). */
export function walk(vol: NtfsVolume, path = "/"): FileInfo[] {
  const out: FileInfo[] = [];
  for (const info of vol.list(path)) {
    out.push(info);
    if (info.isDirectory) out.push(...walk(vol, info.path));
  }
  return out;
}

describe("NTFS fixture windows.ntfs (mkntfs + ntfs-3g)", () => {
  const vol = openNtfs(fixtureDevice("windows"));

  it("reads the volume facts", () => {
    expect(vol.boot.clusterSize).toBe(4096);
    expect(vol.label).toBe("P2VFIX-WIN");
    expect(vol.version).toBe("3.1");
  });

  it("holds every file and stream of the manifest with the same bytes", () => {
    const manifest = fixtureManifest("windows");
    expect(manifest.length).toBeGreaterThan(670);
    for (const entry of manifest) {
      const info = vol.stat(entry.path);
      expect(info, entry.path).toBeDefined();
      expect(info!.size, entry.path).toBe(entry.size);
      expect(sha256(vol.readFile(entry.path)), entry.path).toBe(entry.sha256);
    }
  });

  it("lists exactly the manifest's files (no more, no fewer)", () => {
    const files = walk(vol)
      .filter((f) => !f.isDirectory)
      .map((f) => f.path.slice(1))
      .sort();
    const expected = fixtureManifest("windows")
      .map((e) => e.path)
      .filter((p) => !p.includes(":"))
      .concat("Windows/System32/compact.dll") // a reparse point: not in the host-side manifest
      .sort();
    expect(files).toEqual(expected);
  });

  it("resolves paths case-insensitively through $UpCase, with either separator", () => {
    const exact = vol.stat("/Windows/System32/config/SYSTEM")!;
    expect(vol.stat("windows\\system32\\CONFIG\\system")?.id).toBe(exact.id);
    expect(vol.stat("/WINDOWS/SYSTEM32/CONFIG/SYSTEM")?.path).toBe("/Windows/System32/config/SYSTEM");
    expect(vol.stat("/users/üBERGRÖSSE.TXT")).toBeUndefined(); // ß has no one-unit upper case
    expect(vol.stat("/USERS/ÜBERGRÖßE.TXT")?.name).toBe("Übergröße.txt");
    expect(vol.stat("/users/ФАЙЛ.TXT")?.name).toBe("файл.txt");
    expect(vol.stat("/users/mixed-case.txt")?.name).toBe("MiXeD-Case.TXT");
    expect(vol.stat("/Users/smile-😀.txt")?.size).toBe(6);
    expect(vol.stat("/nope")).toBeUndefined();
    expect(vol.stat("/Windows/nope/SYSTEM")).toBeUndefined();
    expect(() => vol.readFile("/nope")).toThrow(NotFoundError);
    expect(vol.stat("/")?.isDirectory).toBe(true);
  });

  it("finds every entry of every directory by B-tree lookup (checked against a full scan)", () => {
    const dirs = ["/", ...walk(vol).filter((f) => f.isDirectory).map((f) => f.path)];
    let checked = 0;
    for (const dir of dirs) {
      for (const entry of vol.indexEntries(dir)) {
        const path = `${dir === "/" ? "" : dir}/${entry.fileName.name}`;
        expect(vol.resolve(path)?.record, path).toBe(entry.reference.record);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(690);
  });

  it("walks a 640-entry directory held in INDEX_ALLOCATION nodes, in collation order", () => {
    const rec = vol.resolve("/Big")!.record;
    expect(vol.attributes(rec).some((a) => a.type === AttributeType.indexAllocation)).toBe(true);
    const names = vol.list("/Big").map((f) => f.name);
    expect(names.length).toBe(640);
    expect(names).toEqual([...names].sort((a, b) => vol.upcase.compare(a, b)));
  });

  it("lists each hard link under its own directory, with one record behind them, through an $ATTRIBUTE_LIST", () => {
    const original = vol.stat("/Links/original.txt")!;
    const links = vol.list("/Links").filter((f) => f.id === original.id);
    expect(links.length).toBe(15);
    expect(vol.stat("/Users/Public/link-elsewhere.txt")?.id).toBe(original.id);
    expect(vol.fileNames(original.id!).length).toBe(16);
    expect(vol.record(original.id!).attributes.some((a) => a.type === AttributeType.attributeList)).toBe(true);
    expect(new TextDecoder().decode(vol.readFile("/links/HARD-LINK-7-" + "x".repeat(90) + ".txt"))).toBe("linked content\n");
  });

  it("reads alternate data streams as path:stream and reports them in stat", () => {
    const info = vol.stat("/Users/Public/ads.txt")!;
    expect(info.streams?.sort()).toEqual(["Zone.Identifier", "big stream"]);
    expect(new TextDecoder().decode(vol.readFile("/Users/Public/ads.txt:zone.identifier"))).toBe("[ZoneTransfer]\r\nZoneId=3\r\n");
    expect(vol.stat("/Users/Public/ads.txt:big stream")?.size).toBe(vol.readFile("/Users/Public/ads.txt:big stream").length);
    expect(vol.stat("/Users/Public/ads.txt:missing")).toBeUndefined();
  });

  it("reports sparse and compressed files, and reads ranges of them", () => {
    const sparse = vol.stat("/Users/Public/sparse.bin")!;
    expect(sparse.size).toBe(5 * 1024 * 1024);
    const middle = vol.readFileRange("/Users/Public/sparse.bin", 3145728 - 2, 32);
    expect(new TextDecoder().decode(middle.subarray(2, 30))).toBe("data in the middle of a hole");
    expect(middle.subarray(0, 2)).toEqual(new Uint8Array(2));
    expect(vol.readFileRange("/Users/Public/sparse.bin", 100, 4000)).toEqual(new Uint8Array(4000));
    for (const name of ["text.txt", "mixed.bin", "random.bin"]) {
      const info = vol.stat(`/Compressed/${name}`)!;
      expect(info.compressed, name).toBe(true);
    }
    const compressedStream = vol.stream(vol.resolve("/Compressed/text.txt")!.record, AttributeType.data, "");
    expect(compressedStream.compressionUnitSize).toBe(16 * 4096);
    expect(compressedStream.runs.some((r) => r.lcn === null)).toBe(true); // units really are compressed
    // Units of every kind: LZNT1 (some clusters sparse), stored raw (all 16 allocated), all zeros (none).
    const runsOf = (path: string) => vol.stream(vol.resolve(path)!.record, AttributeType.data, "").runs;
    const unitKinds = (path: string) =>
      Array.from({ length: Math.ceil(vol.stat(path)!.size / 65536) }, (_, unit) => {
        const allocated = runsOf(path)
          .filter((r) => r.lcn !== null)
          .reduce((n, r) => n + Math.max(0, Math.min(r.vcn + r.length, unit * 16 + 16) - Math.max(r.vcn, unit * 16)), 0);
        return allocated === 16 ? "raw" : allocated === 0 ? "zeros" : "lznt1";
      });
    expect(unitKinds("/Compressed/random.bin")[0]).toBe("raw");
    expect(unitKinds("/Compressed/mixed.bin")).toContain("zeros");
    expect(unitKinds("/Compressed/text.txt")).toContain("lznt1");
    const mixed = vol.readFile("/Compressed/mixed.bin");
    expect(mixed.subarray(40000, 240000)).toEqual(new Uint8Array(200000));
    expect(new TextDecoder().decode(mixed.subarray(240000))).toBe("tail");
    const whole = vol.readFile("/Compressed/text.txt");
    expect(vol.readFileRange("/Compressed/text.txt", 65000, 2000)).toEqual(whole.subarray(65000, 67000));
    expect(vol.readFileRange("/Compressed/text.txt", whole.length - 5, 100)).toEqual(whole.subarray(whole.length - 5));
  });

  it("reads a fragmented file through many runs", () => {
    const rec = vol.resolve("/Frag/fragmented.bin")!.record;
    const stream = vol.stream(rec, AttributeType.data, "");
    expect(stream.runs.length).toBeGreaterThan(20);
    const whole = vol.readFile("/Frag/fragmented.bin");
    expect(vol.readFileRange("/Frag/fragmented.bin", 4090, 9000)).toEqual(whole.subarray(4090, 13090));
    const opened = vol.openFile("/Frag/fragmented.bin");
    expect(opened.size).toBe(whole.length);
    for (const at of [0, 4090, 77777, whole.length - 300]) expect(opened.read(at, 300)).toEqual(whole.subarray(at, at + 300));
    expect(() => opened.read(whole.length - 1, 2)).toThrow(/outside the stream/);
    // The device ranges a writer would overwrite hold exactly the file's bytes.
    const pieces = stream.mapRange(1000, 50000);
    expect(pieces.length).toBeGreaterThan(10);
    for (const piece of pieces) {
      expect(piece.deviceOffset).not.toBeNull();
      expect(vol.device.read(piece.deviceOffset!, piece.length)).toEqual(whole.subarray(piece.offset, piece.offset + piece.length));
    }
    expect(() => vol.stream(vol.resolve("/Compressed/text.txt")!.record, AttributeType.data, "").mapRange(0, 10)).toThrow(/uncompressed/);
  });

  it("gives stat() the MFT record number as id, times and sizes", () => {
    const info = vol.stat("/Program Files/App/app.bin")!;
    expect(info.id).toBe(vol.resolve("/Program Files/App/app.bin")!.record);
    expect(info.allocatedSize).toBe(Math.ceil(info.size / 4096) * 4096);
    expect(info.modified!.getTime()).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });

  it("hides DOS 8.3 aliases from listings but finds files by them", () => {
    const dos = vol.indexEntries("/Users").concat(vol.indexEntries("/")).filter((e) => e.fileName.namespace === FileNameNamespace.dos);
    expect(dos.map((e) => e.fileName.name).sort()).toEqual(["LLLLLL~1.TXT", "PROGRA~1"]);
    expect(vol.list("/Users").map((f) => f.name)).not.toContain("LLLLLL~1.TXT");
    expect(vol.list("/").map((f) => f.name)).toContain("Program Files");
    expect(vol.stat("/progra~1/App/app.bin")?.id).toBe(vol.stat("/Program Files/App/app.bin")?.id);
    expect(vol.stat("/Users/LLLLLL~1.TXT")?.size).toBe(5);
  });

  it("hides metafiles and the root's self entry unless asked", () => {
    const names = vol.list("/").map((f) => f.name);
    expect(names).not.toContain("$MFT");
    expect(names).not.toContain(".");
    const all = vol.list("/", { includeSystem: true }).map((f) => f.name);
    expect(all).toEqual(expect.arrayContaining(["$MFT", "$UpCase", "$LogFile", "."]));
  });

  it("refuses to read a WOF-compressed file's placeholder data as its content", () => {
    const info = vol.stat("/Windows/System32/compact.dll")!;
    expect(vol.reparseTag(info.id!)).toBe(0x80000017);
    expect(() => vol.readFile("/Windows/System32/compact.dll")).toThrow(expect.objectContaining({ code: "wof-compressed" }));
    expect(vol.reparseTag(vol.stat("/Windows/System32/config/SYSTEM")!.id!)).toBeUndefined();
  });

  it("refuses an index entry whose sequence number does not match the record (stale entry)", () => {
    const entry = vol.indexEntries("/Users/Public/Documents").find((e) => e.fileName.name === "readme.txt")!;
    const record = vol.record(entry.reference.record);
    expect(entry.reference.sequence).toBe(record.sequence);
    (record as { sequence: number }).sequence += 1; // as if the record had been reused
    try {
      expect(() => vol.stat("/Users/Public/Documents/readme.txt")).toThrow(expect.objectContaining({ code: "stale-reference" }));
    } finally {
      (record as { sequence: number }).sequence -= 1;
    }
  });

  it("refuses directories as files and reads past the end as out of range", () => {
    expect(() => vol.readFile("/Windows")).toThrow(/directory/);
    expect(() => vol.readFileRange("/Users/Public/Documents/readme.txt", 1000, 1)).toThrow(/past the end/);
    expect(vol.readFileRange("/Users/Public/Documents/readme.txt", 6, 1000)).toEqual(new TextEncoder().encode("from p2vfix\n"));
  });
});

describe.skipIf(!hasCorpus())("NTFS corpus volumes", () => {
  it("testfs1: files, sizes and MD5s from the manifest; 512 subdirectories", () => {
    const vol = openNtfs(new FileDevice(corpusPath("images/ColinFinck-ntfs/testfs1")));
    expect(vol.label).toBe("mylabel");
    expect(vol.boot.clusterSize).toBe(512);
    const expected: Array<[string, number, number, string]> = [
      ["1000-bytes-file", 66, 1000, "b427a4e60ca793a321a8e2a41e6a7581"],
      ["empty-file", 64, 0, "d41d8cd98f00b204e9800998ecf8427e"],
      ["file-with-12345", 65, 5, "827ccb0eea8a706c4c34a16891f84e7b"],
      ["sparse-file", 67, 500005, "ab08ecee3b915e1b34f778709f9af63b"],
    ];
    for (const [path, id, size, sum] of expected) {
      const info = vol.stat(path)!;
      expect([info.id, info.size], path).toEqual([id, size]);
      expect(md5(vol.readFile(path)), path).toBe(sum);
    }
    expect(vol.stat("sparse-file")?.sparse).toBe(true);
    expect(vol.stat("empty-file")?.modified?.toISOString()).toBe("2021-01-01T12:37:00.000Z") // as istat prints it;
    const subdirs = vol.list("many_subdirs");
    expect(subdirs.map((d) => d.name).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 512 }, (_, i) => String(i + 1)));
    expect(subdirs.every((d) => d.isDirectory)).toBe(true);
  });

  it("ntfs_index.raw: partition at sector 128, long names with DOS aliases hidden, manifest MD5s", async () => {
    const disk = new MemoryDevice(await corpusBytes("images/dfir_ntfs/ntfs_index.raw.gz"), { writable: false });
    const vol = openNtfs(new SliceDevice(disk, 128 * 512, disk.size - 128 * 512));
    expect(vol.boot.clusterSize).toBe(2048);
    expect(vol.label).toBe("Test index");
    const manifest = readFileSync(corpusPath("images/MANIFEST.md"), "utf8");
    const section = manifest.slice(manifest.indexOf("dfir_ntfs/ntfs_index.raw.gz (NTFS"));
    const rows = [...section.matchAll(/^\| (.+?) \| (\d+)-128-\d \| (\d+) \| ([0-9a-f]{32}) \|$/gm)];
    expect(rows.length).toBe(29);
    for (const [, path, id, size, sum] of rows) {
      const info = vol.stat(path)!;
      expect(info, path).toBeDefined();
      expect([info.id, info.size], path).toEqual([Number(id), Number(size)]);
      expect(md5(vol.readFile(path)), path).toBe(sum);
    }
    const listed = vol.list("/").map((f) => f.name);
    expect(listed.filter((n) => n.startsWith("AAAA")).length).toBe(17);
  });

  it.skipIf(!hasTool("qemu-img"))("windows_volume.qcow2 (made on Windows): the syslog file", () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-ntfs-"));
    const raw = join(dir, "windows_volume.raw");
    const r = spawnSync("qemu-img", ["convert", "-O", "raw", corpusPath("images/dfvfs/windows_volume.qcow2"), raw]);
    expect(r.status).toBe(0);
    const vol = openNtfs(new FileDevice(raw));
    const info = vol.stat("/windows/system32/config/syslog")!;
    expect([info.id, info.size]).toEqual([67, 1247]);
    expect(md5(vol.readFile("Windows/System32/config/syslog"))).toBe("8b32710e60ce9f650b8b4dcc2b3ee927");
  });
});
