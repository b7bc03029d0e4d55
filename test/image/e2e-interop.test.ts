/**
 * End to end: the Windows-like disks of scripts/fixtures/build-windows-disk.sh (GPT/UEFI and
 * MBR/BIOS), converted at test time by qemu-img into every container p2vfix reads, then read
 * through the whole stack (container > partition table > filesystem > Windows location > hive)
 * and compared with the established tools:
 *  - partitions: `sfdisk --json` on the raw disk and `mmls` on the container;
 *  - `disk info --json`: the Windows installation and the BCD store;
 *  - files: every path, type and size against sleuthkit's `fls -r -p` on the container (on the
 *    raw disk for qcow2, which sleuthkit cannot open), every file's bytes against what
 *    `tsk_recover` extracts (`icat` for the empty files it skips), and against ntfs-3g's
 *    `ntfsls -R` / `ntfscat` on each NTFS volume cut out of the disk;
 *  - the virtual disk's bytes against qemu's (`qemu-img compare` with the raw disk, whose
 *    SHA-256 the build script recorded), i.e. what `qemu-img convert -O raw` would write;
 *  - `reg export IMAGE:SYSTEM` against `reg export` of the hive file the image was built from.
 * Conversions and peer-tool results are computed once per disk and compared by SHA-256.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import type { FileSystem } from "../../src/fs/filesystem.js";
import { openTarget } from "../../src/image/index.js";
import { fixtureFile } from "../helpers/fixtures.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr(), bytes: out.bytes() };
}

function tool(command: string, args: string[]): Buffer {
  const r = runTool(command, args);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

interface Container {
  name: string;
  qemuArgs: string[];
  /** qemu-img's name for the format (for reading it back). */
  qemuFormat: string;
  /** The format p2vfix reports. */
  format: string;
  /** sleuthkit opens it directly (it has no qcow2 support). */
  sleuthkit: boolean;
  ext: string;
}

const containers: Container[] = [
  { name: "raw", qemuArgs: [], qemuFormat: "raw", format: "raw", sleuthkit: true, ext: "img" },
  { name: "vhd-fixed", qemuArgs: ["-O", "vpc", "-o", "subformat=fixed,force_size=on"], qemuFormat: "vpc", format: "vhd-fixed", sleuthkit: true, ext: "vhd" },
  { name: "vhd-dynamic", qemuArgs: ["-O", "vpc", "-o", "subformat=dynamic,force_size=on"], qemuFormat: "vpc", format: "vhd-dynamic", sleuthkit: true, ext: "vhd" },
  { name: "vhdx", qemuArgs: ["-O", "vhdx"], qemuFormat: "vhdx", format: "vhdx", sleuthkit: true, ext: "vhdx" },
  { name: "vmdk-sparse", qemuArgs: ["-O", "vmdk", "-o", "subformat=monolithicSparse"], qemuFormat: "vmdk", format: "vmdk-sparse", sleuthkit: true, ext: "vmdk" },
  { name: "vmdk-stream", qemuArgs: ["-O", "vmdk", "-o", "subformat=streamOptimized"], qemuFormat: "vmdk", format: "vmdk-stream", sleuthkit: true, ext: "vmdk" },
  { name: "vmdk-flat", qemuArgs: ["-O", "vmdk", "-o", "subformat=monolithicFlat"], qemuFormat: "vmdk", format: "vmdk-flat", sleuthkit: true, ext: "vmdk" },
  { name: "qcow2", qemuArgs: ["-O", "qcow2"], qemuFormat: "qcow2", format: "qcow2", sleuthkit: false, ext: "qcow2" },
  { name: "qcow2-compressed", qemuArgs: ["-O", "qcow2", "-c"], qemuFormat: "qcow2", format: "qcow2", sleuthkit: false, ext: "qcow2" },
];

interface DiskCase {
  fixture: string;
  /** Partitions holding a filesystem, 1-based, with the kind p2vfix detects. */
  filesystems: Record<number, string>;
  windowsPartition: number;
  bcd: { partition: number; path: string; firmware: "uefi" | "bios" };
}

const disks: DiskCase[] = [
  { fixture: "windows-gpt", filesystems: { 1: "fat32", 3: "ntfs", 4: "ntfs" }, windowsPartition: 3, bcd: { partition: 1, path: "EFI/Microsoft/Boot/BCD", firmware: "uefi" } },
  { fixture: "windows-mbr", filesystems: { 1: "ntfs", 2: "ntfs" }, windowsPartition: 2, bcd: { partition: 1, path: "Boot/BCD", firmware: "bios" } },
];

/** One listing entry: "d path" or "f path size", sorted, comparable across tools. */
type Listing = string[];

/** Our view of a filesystem: every entry below the root (bounded), and each file's SHA-256. */
function walk(fs: FileSystem): { listing: Listing; hashes: Map<string, string> } {
  const listing: Listing = [];
  const hashes = new Map<string, string>();
  const pending = [""];
  while (pending.length) {
    if (listing.length > 10_000) throw new Error("walk: too many entries");
    const dir = pending.pop()!;
    for (const e of fs.list(dir)) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (isMetadata(path)) continue;
      if (e.isDirectory) {
        listing.push(`d ${path}`);
        pending.push(path);
      } else {
        listing.push(`f ${path} ${e.size}`);
        hashes.set(path, sha256(fs.readFile(path)));
      }
    }
  }
  return { listing: listing.sort(), hashes };
}

/** NTFS system files ($MFT, $Extend...) and sleuthkit's virtual FAT entries ($MBR, $FAT1, $OrphanFiles). */
const isMetadata = (path: string) => path.split("/").some((c) => c.startsWith("$"));

/** `fls -r -p -l -o SECTOR IMAGE` as a listing (named streams and volume labels left out). */
function flsListing(image: string, sector: number): Listing {
  const out = tool("fls", ["-r", "-p", "-l", "-o", String(sector), image]).toString("utf8");
  const listing: Listing = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [head, ...rest] = line.split("\t");
    const path = rest[0];
    if (isMetadata(path) || path.includes(":") || path.endsWith("(Volume Label Entry)")) continue;
    const type = head.split(" ")[0];
    // -l columns after the name: mtime, atime, ctime, crtime, size, uid, gid.
    if (type === "d/d") listing.push(`d ${path}`);
    else if (type === "r/r") listing.push(`f ${path} ${rest[5]}`);
    else throw new Error(`fls: unexpected entry type in: ${line}`);
  }
  return listing.sort();
}

/** Every file's SHA-256 as sleuthkit reads it: tsk_recover's tree, icat for what it skips (empty files). */
function sleuthkitHashes(image: string, sector: number, listing: Listing, work: string): Map<string, string> {
  const dir = mkdtempSync(join(work, "tsk-"));
  tool("tsk_recover", ["-a", "-o", String(sector), image, dir]);
  const hashes = new Map<string, string>();
  for (const entry of listing) {
    if (!entry.startsWith("f ")) continue;
    const path = entry.slice(2, entry.lastIndexOf(" "));
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, path));
    } catch {
      const inode = tool("ifind", ["-o", String(sector), "-n", `/${path}`, image]).toString().trim();
      bytes = tool("icat", ["-o", String(sector), image, inode]);
    }
    hashes.set(path, sha256(bytes));
  }
  rmSync(dir, { recursive: true });
  return hashes;
}

/** ntfs-3g's view of a volume file: `ntfsls -R -F` for the tree, `ntfscat` for each file's bytes. */
function ntfs3gView(volume: string): { paths: string[]; hashes: Map<string, string> } {
  const out = tool("ntfsls", ["-R", "-F", volume]).toString("utf8");
  const paths: string[] = [];
  let dir = "";
  for (const line of out.split("\n")) {
    if (!line) continue;
    if (line.startsWith("/") && line.endsWith(":")) {
      dir = line.slice(1, -1).replace(/\/$/, "");
      continue;
    }
    if (line === "./" || line === "../") continue;
    const isDir = line.endsWith("/");
    const name = isDir ? line.slice(0, -1) : line;
    const path = dir ? `${dir}/${name}` : name;
    if (!isMetadata(path)) paths.push(`${isDir ? "d" : "f"} ${path}`);
  }
  const hashes = new Map<string, string>();
  for (const p of paths) if (p.startsWith("f ")) hashes.set(p.slice(2), sha256(tool("ntfscat", [volume, `/${p.slice(2)}`])));
  return { paths: paths.sort(), hashes };
}

const withoutSizes = (listing: Listing) => listing.map((l) => (l.startsWith("f ") ? l.slice(0, l.lastIndexOf(" ")) : l)).sort();

describe.skipIf(!toolsAvailable("qemu-img", "sfdisk", "mmls", "fls", "tsk_recover", "icat", "ifind", "ntfsls", "ntfscat"))("Windows-like disks through every container", () => {
  const work = mkdtempSync(join(tmpdir(), "p2vfix-e2e-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const disk of disks) {
    describe(disk.fixture, () => {
      const raw = fixtureFile(`image/${disk.fixture}.img`);
      const rawSha = readFileSync(fixtureFile(`image/${disk.fixture}.img.sha256`), "utf8").split(" ")[0];
      const dir = join(work, disk.fixture);
      const paths = new Map<string, string>();
      /** Reference views from the raw disk, computed once. */
      let sfdisk: { label: string; sectorsize: number; partitions: { start: number; size: number; type: string; name?: string; uuid?: string }[] };
      const rawFls = new Map<number, Listing>();
      const rawTskHashes = new Map<number, Map<string, string>>();
      const ntfs3g = new Map<number, { paths: string[]; hashes: Map<string, string> }>();
      const sourceExport = { text: "" };

      beforeAll(async () => {
        mkdirSync(dir, { recursive: true });
        for (const c of containers) {
          const path = join(dir, `${c.name}.${c.ext}`);
          if (c.name === "raw") paths.set(c.name, raw);
          else {
            tool("qemu-img", ["convert", "-q", "-f", "raw", ...c.qemuArgs, raw, path]);
            paths.set(c.name, path);
          }
        }
        sfdisk = JSON.parse(tool("sfdisk", ["--json", raw]).toString()).partitiontable;
        const rawBytes = readFileSync(raw);
        for (const [index] of Object.entries(disk.filesystems)) {
          const p = sfdisk.partitions[Number(index) - 1];
          const listing = flsListing(raw, p.start);
          rawFls.set(Number(index), listing);
          rawTskHashes.set(Number(index), sleuthkitHashes(raw, p.start, listing, dir));
          if (disk.filesystems[Number(index)] === "ntfs") {
            const volume = join(dir, `partition-${index}.ntfs`);
            writeFileSync(volume, rawBytes.subarray(p.start * 512, (p.start + p.size) * 512));
            ntfs3g.set(Number(index), ntfs3gView(volume));
          }
        }
        const hive = join(dir, "SYSTEM");
        writeFileSync(hive, readFileSync(fixtureFile("image/SYSTEM")));
        const r = await run("reg", "export", hive, "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", "--encoding", "utf8");
        expect(r.code).toBe(0);
        sourceExport.text = r.stdout;
      }, 60_000);

      it("the raw disk is the one the build script made, and its peers agree with each other", () => {
        expect(sha256(readFileSync(raw))).toBe(rawSha);
        for (const [index, view] of ntfs3g) expect(view.paths).toEqual(withoutSizes(rawFls.get(index)!));
        for (const [index, view] of ntfs3g) expect(view.hashes).toEqual(rawTskHashes.get(index));
        expect(sourceExport.text).toMatch(/^\[HKEY_LOCAL_MACHINE\\SYSTEM\\Select\]$/m);
      });

      for (const c of containers) {
        describe(c.name, () => {
          it("virtual disk bytes equal qemu-img convert -O raw, and the partitions equal sfdisk and mmls", () => {
            const path = paths.get(c.name)!;
            // qemu's view of the container is the raw disk (what `convert -O raw` would write)...
            const compare = runTool("qemu-img", ["compare", "-q", "-f", "raw", "-F", c.qemuFormat, raw, path]);
            expect(compare.status, compare.stderr).toBe(0);

            const target = openTarget(path);
            try {
              expect(target.image!.format).toBe(c.format);
              const device = target.image!.device;
              const hash = createHash("sha256");
              for (let off = 0; off < device.size; off += 1 << 22) hash.update(device.read(off, Math.min(1 << 22, device.size - off)));
              // ...and so is ours.
              expect(hash.digest("hex")).toBe(rawSha);

              const table = target.table!;
              expect(table.scheme).toBe(sfdisk.label === "dos" ? "mbr" : sfdisk.label);
              expect(table.sectorSize).toBe(sfdisk.sectorsize);
              expect(
                table.partitions.map((p) => ({ start: p.startSector, size: p.sectorCount, type: typeof p.type === "number" ? p.type.toString(16) : p.type, ...(p.name ? { name: p.name } : {}), ...(p.guid ? { uuid: p.guid } : {}) })),
              ).toEqual(sfdisk.partitions.map((p) => ({ start: p.start, size: p.size, type: p.type, ...(p.name ? { name: p.name } : {}), ...(p.uuid ? { uuid: p.uuid } : {}) })));

              // mmls reads the container itself where sleuthkit can (qcow2: the raw disk).
              const mmls = tool("mmls", [c.sleuthkit ? path : raw]).toString();
              const slots = [...mmls.matchAll(/^\d+:\s+\d+:?\d*\s+(\d+)\s+(\d+)\s+(\d+)\s/gm)].map((m) => [Number(m[1]), Number(m[3])]);
              expect(table.partitions.map((p) => [p.startSector, p.sectorCount])).toEqual(slots);
              expect(target.volumes.filter((v) => v.readable).map((v) => [v.index, v.kind])).toEqual(Object.entries(disk.filesystems).map(([i, k]) => [Number(i), k]));
            } finally {
              target.close();
            }
          });

          it("every file and its bytes equal sleuthkit (fls/tsk_recover/icat) and ntfs-3g (ntfsls/ntfscat)", () => {
            const path = paths.get(c.name)!;
            const target = openTarget(path);
            try {
              for (const [index] of Object.entries(disk.filesystems)) {
                const volume = target.volumes.find((v) => v.index === Number(index))!;
                const ours = walk(volume.fs());
                const start = sfdisk.partitions[Number(index) - 1].start;
                const reference = c.sleuthkit && c.name !== "raw" ? flsListing(path, start) : rawFls.get(Number(index))!;
                expect(ours.listing).toEqual(reference);
                const theirs = c.sleuthkit && c.name !== "raw" ? sleuthkitHashes(path, start, reference, dir) : rawTskHashes.get(Number(index))!;
                expect(ours.hashes).toEqual(theirs);
                const ntfs = ntfs3g.get(Number(index));
                if (ntfs) {
                  expect(withoutSizes(ours.listing)).toEqual(ntfs.paths);
                  expect(ours.hashes).toEqual(ntfs.hashes);
                }
              }
            } finally {
              target.close();
            }
          });

          it("disk info --json finds Windows and the BCD store; ls, cat, cp and reg export IMAGE:SYSTEM agree", async () => {
            const path = paths.get(c.name)!;
            const info = await run("disk", "info", path, "--json");
            expect(info.code).toBe(0);
            const report = JSON.parse(info.stdout);
            expect(report.virtualSize).toBe(readFileSync(raw).length);
            expect(report.windows).toEqual([
              {
                partition: disk.windowsPartition,
                systemRoot: "Windows",
                configDir: "Windows/System32/config",
                hives: { SYSTEM: "Windows/System32/config/SYSTEM", SOFTWARE: "Windows/System32/config/SOFTWARE" },
              },
            ]);
            expect(report.bcd).toEqual([disk.bcd]);

            const rawHashes = rawTskHashes.get(disk.windowsPartition)!;
            const ls = await run("ls", `${path}:Windows/System32/config`, "--json");
            expect(ls.code).toBe(0);
            const names = (JSON.parse(ls.stdout) as { name: string }[]).map((e) => e.name).sort();
            expect(names).toEqual(rawFls.get(disk.windowsPartition)!.filter((l) => l.startsWith("f Windows/System32/config/")).map((l) => l.split("/").pop()!.split(" ")[0]).sort());
            const cat = await run("cat", `${path}:Windows/System32/config/SYSTEM`);
            expect(cat.code).toBe(0);
            expect(sha256(cat.bytes)).toBe(rawHashes.get("Windows/System32/config/SYSTEM"));
            const bcd = await run("cat", `${path}:${disk.bcd.path.toLowerCase()}`);
            expect(bcd.code).toBe(0);
            expect(sha256(bcd.bytes)).toBe(rawTskHashes.get(disk.bcd.partition)!.get(disk.bcd.path));
            const out = join(dir, `${c.name}.large.bin`);
            const largePath = "Users/Administrator/AppData/Local/Temp/large.bin";
            expect((await run("cp", `${path}:${largePath}`, out)).code).toBe(0);
            expect(sha256(readFileSync(out))).toBe(rawHashes.get(largePath));
            rmSync(out);

            const exported = await run("reg", "export", `${path}:SYSTEM`, "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", "--encoding", "utf8");
            expect(exported.code).toBe(0);
            expect(exported.stdout).toBe(sourceExport.text);
          });
        });
      }
    });
  }
});
