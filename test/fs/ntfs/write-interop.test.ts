/**
 * After our writer changed files in write.ntfs, ntfs-3g (ntfscat, ntfsls, ntfsinfo, ntfsfix,
 * ntfscluster), sleuthkit (icat, fls) and libfsntfs (fsntfsinfo) must read the new bytes and
 * sizes; ntfs-3g also checks $MFT against $MFTMirr on every open. Other geometries (4Kn with
 * 4 KiB records, 64 KiB clusters whose $MFTMirr holds 64 records, 1 KiB and 512-byte clusters)
 * come from mkntfs + ntfscp at test time.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDevice, MemoryDevice } from "../../../src/io/index.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { PendingWrites } from "../../../src/fs/ntfs/write/pending-writes.js";
import { commitRecord, loadRecord, mirroredRecordCount } from "../../../src/fs/ntfs/write/record-edit.js";
import { corpusPath, hasCorpus } from "../../helpers/corpus.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { hiveLike, paths, writableVolume } from "./write-helpers.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const dir = () => mkdtempSync(join(tmpdir(), "p2vfix-ntfs-write-"));

type Edit = { path: string; size: (old: number) => number };

const files = [paths.system, paths.inBigDirectory, paths.hardLinked, paths.fragmented, "/Frag/full-160.bin", "/Frag/full-166.bin"];
const scenarios: Array<{ name: string; edits: Edit[][] }> = [
  { name: "same size", edits: [files.map((path) => ({ path, size: (old) => old }))] },
  { name: "smaller", edits: [files.map((path) => ({ path, size: (old) => old - 5000 - 1 }))] },
  {
    name: "larger within the allocation",
    edits: [files.map((path) => ({ path, size: (old) => old - 30000 })), files.map((path) => ({ path, size: (old) => old + 29000 }))],
  },
  { name: "larger than the allocation", edits: [files.map((path) => ({ path, size: (old) => old + 150000 + 3 }))] },
];

/**
 * The sizes in the parent's index entry for `name`, as `ntfsinfo -v` dumps the entries of a
 * resident INDEX_ROOT (it does not dump INDX records), or undefined when not dumped.
 */
function indexRootCopy(image: string, parent: string, name: string): { allocated: number; data: number } | undefined {
  const dump = runTool("ntfsinfo", ["-v", "-F", parent, image]).stdout.toString();
  const block = dump.split("Entry length:").find((b) => b.includes(`Filename:\t\t '${name}'`));
  if (!block) return undefined;
  return { allocated: Number(/Allocated Size:\s*(\d+)/.exec(block)![1]), data: Number(/Data Size:\s*(\d+)/.exec(block)![1]) };
}

function checkWithTools(image: string, expected: Map<string, Uint8Array>): void {
  const fix = runTool("ntfsfix", ["-n", image]);
  expect(fix.status, fix.stderr).toBe(0);
  expect(fix.stdout.toString()).toMatch(/processed successfully/);
  for (const [path, bytes] of expected) {
    const cat = runTool("ntfscat", [image, path]);
    expect(cat.status, cat.stderr).toBe(0);
    expect(sha(cat.stdout), `ntfscat ${path}`).toBe(sha(bytes));
    const info = runTool("ntfsinfo", ["-F", path, image]);
    expect(info.status, info.stderr).toBe(0);
    const dump = info.stdout.toString();
    const inode = Number(/Dumping Inode (\d+)/.exec(dump)![1]);
    const data = dump.slice(dump.indexOf("Dumping attribute $DATA"));
    expect(data, `ntfsinfo ${path}`).toMatch(new RegExp(`Data size:\\s*${bytes.length} `));
    expect(data).toMatch(new RegExp(`Initialized size:\\s*${bytes.length} `));
    const icat = runTool("icat", ["-f", "ntfs", image, String(inode)]);
    expect(icat.status, icat.stderr).toBe(0);
    expect(sha(icat.stdout), `icat ${path}`).toBe(sha(bytes));
    const slash = path.lastIndexOf("/");
    const [parent, name] = [path.slice(0, slash) || "/", path.slice(slash + 1)];
    const ls = runTool("ntfsls", ["-l", "-f", image, "-p", parent]).stdout.toString();
    expect(ls, `ntfsls ${path}`).toMatch(new RegExp(`^\\s*${bytes.length} .* ${name}$`, "m"));
    const parentInode = runTool("ifind", ["-f", "ntfs", "-n", parent, image]).stdout.toString().trim();
    const fls = runTool("fls", ["-l", "-f", "ntfs", image, parentInode]).stdout.toString();
    const row = fls.split("\n").find((l) => l.includes(`\t${name}\t`))!;
    expect(row.split("\t")[6], `fls ${path}`).toBe(String(bytes.length));
    const copy = indexRootCopy(image, parent, name);
    const allocated = openNtfs(new FileDevice(image)).stat(path)!.allocatedSize;
    if (copy) expect(copy, `ntfsinfo -v index entry of ${path}`).toEqual({ data: bytes.length, allocated });
    if (path === paths.system) expect(copy, "SYSTEM's entry is in its directory's INDEX_ROOT").toBeDefined();
    const fsntfs = runTool("fsntfsinfo", ["-F", path.replaceAll("/", "\\"), image]).stdout.toString();
    expect(fsntfs, `fsntfsinfo ${path}`).toMatch(new RegExp(`Size\\s*:\\s*${bytes.length}\\n`));
  }
}

describe.skipIf(!toolsAvailable("ntfsfix", "ntfscat", "ntfsinfo", "ntfsls", "ntfscluster", "icat", "fls", "ifind", "fsntfsinfo"))("rewritten files read by ntfs-3g, sleuthkit and libfsntfs", () => {
  it.each(scenarios)("$name", ({ edits }) => {
    const { device, vol } = writableVolume();
    const expected = new Map<string, Uint8Array>();
    const allocated: Array<{ path: string; lcn: number; length: number }> = [];
    let seed = 10;
    for (const round of edits) {
      for (const edit of round) {
        const data = hiveLike(seed++, edit.size(vol.stat(edit.path)!.size));
        const report = vol.rewriteFile(edit.path, data);
        for (const run of report.clustersAllocated) allocated.push({ path: edit.path, ...run });
        expected.set(edit.path, data);
      }
    }
    const image = join(dir(), "write.ntfs");
    writeFileSync(image, device.bytes);
    checkWithTools(image, expected);
    // ntfs-3g names the owner of every newly allocated cluster: the file that grew.
    for (const a of allocated) {
      const owner = runTool("ntfscluster", ["-c", `${a.lcn}-${a.lcn + a.length - 1}`, image]).stdout.toString();
      expect(owner, `clusters ${a.lcn}+${a.length}`).toContain(a.path);
    }
    // And our own reader, freshly opened on the file.
    const fresh = openNtfs(new FileDevice(image));
    for (const [path, bytes] of expected) expect(sha(fresh.readFile(path))).toBe(sha(bytes));
  });

  it.each([
    { sector: 512, cluster: 65536, mib: 32, mirrored: 64 },
    { sector: 4096, cluster: 4096, mib: 16, mirrored: 4 },
    { sector: 512, cluster: 1024, mib: 8, mirrored: 4 },
    { sector: 512, cluster: 512, mib: 8, mirrored: 4 },
  ])("mkntfs volume with $sector-byte sectors and $cluster-byte clusters: shrink then grow", ({ sector, cluster, mib, mirrored }) => {
    const d = dir();
    const image = join(d, "geometry.ntfs");
    writeFileSync(image, new Uint8Array(0));
    expect(runTool("truncate", ["-s", `${mib}M`, image]).status).toBe(0);
    const made = runTool("mkntfs", ["-F", "-Q", "-T", "-q", "-s", String(sector), "-c", String(cluster), "-L", "GEOMETRY", image]);
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(d, "hive"), hiveLike(30, 300000));
    expect(runTool("ntfscp", ["-f", image, join(d, "hive"), "/SYSTEM"]).status).toBe(0);
    const device = new MemoryDevice(new Uint8Array(new FileDevice(image).read(0, mib * 1024 * 1024)), { writable: true });
    const vol = openNtfs(device);
    expect(mirroredRecordCount(vol)).toBe(mirrored);
    vol.rewriteFile("/SYSTEM", hiveLike(31, 250001));
    const data = hiveLike(32, 500000);
    const report = openNtfs(device).rewriteFile("/SYSTEM", data);
    expect(report.clustersAllocated.length).toBeGreaterThan(0);
    const out = join(d, "after.ntfs");
    writeFileSync(out, device.bytes);
    checkWithTools(out, new Map([["/SYSTEM", data]]));
  });

  it.skipIf(!hasCorpus() || !toolsAvailable("qemu-img"))("a volume made by Windows (dfvfs windows_volume.qcow2): grow, shrink, same size", () => {
    const d = dir();
    const raw = join(d, "windows_volume.raw");
    expect(runTool("qemu-img", ["convert", "-O", "raw", corpusPath("images/dfvfs/windows_volume.qcow2"), raw]).status).toBe(0);
    const device = new MemoryDevice(new Uint8Array(readFileSync(raw)), { writable: true });
    const path = "/Windows/System32/config/syslog";
    let data: Uint8Array = new Uint8Array(0);
    for (const [i, size] of [300000, 5000, 5000].entries()) {
      data = hiveLike(40 + i, size);
      openNtfs(device).rewriteFile(path, data);
    }
    writeFileSync(raw, device.bytes);
    checkWithTools(raw, new Map([[path, data]]));
  });

  it("a rewritten record below the mirror size reaches $MFTMirr (ntfs-3g compares them on open)", () => {
    // $Volume (record 3) rewritten unchanged except for a fresh update sequence number: with
    // the mirror copy ntfs-3g opens the volume; with the $MFT copy alone it refuses.
    const run = (mirror: boolean) => {
      const { device, vol } = writableVolume();
      const pending = new PendingWrites();
      expect(commitRecord(vol, loadRecord(vol, 3), pending)).toBe(true);
      expect(pending.list.map((w) => w.what)).toEqual(["MFT record 3", "$MFTMirr copy of record 3"]);
      for (const w of pending.list) if (mirror || !w.what.startsWith("$MFTMirr")) device.write(w.deviceOffset, w.bytes);
      const image = join(dir(), "mirror.ntfs");
      writeFileSync(image, device.bytes);
      return runTool("ntfsinfo", ["-m", image]);
    };
    expect(run(true).status).toBe(0);
    const broken = run(false);
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/MFTMirr/i);
  });
});
