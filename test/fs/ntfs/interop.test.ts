/**
 * Interop: the same volumes read by ntfs-3g (ntfsls, ntfscat, ntfsinfo) and sleuthkit (fls,
 * tsk_recover, icat) must give the same names and the same bytes.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDevice, MemoryDevice } from "../../../src/io/index.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { volumeState } from "../../../src/fs/ntfs/volume-state.js";
import type { FileInfo } from "../../../src/fs/filesystem.js";
import { corpusBytes, corpusPath, hasCorpus } from "../../helpers/corpus.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { fixtureFile } from "./helpers.js";

function walk(vol: NtfsVolume, path = "/"): FileInfo[] {
  const out: FileInfo[] = [];
  for (const info of vol.list(path)) {
    out.push(info);
    if (info.isDirectory) out.push(...walk(vol, info.path));
  }
  return out;
}

const isWof = (vol: NtfsVolume, f: FileInfo) => vol.reparseTag(f.id!) === 0x80000017;

/** Paths from `ntfsls -R -a` (sections "/dir:" followed by names). */
function ntfslsPaths(file: string): string[] {
  const r = runTool("ntfsls", ["-R", "-a", "-f", file]);
  expect(r.status, r.stderr).toBe(0);
  const paths: string[] = [];
  let dir = "";
  for (const line of r.stdout.toString("utf8").split("\n")) {
    if (line.startsWith("/") && line.endsWith(":")) dir = line.slice(0, -1).replace(/\/$/, "");
    else if (line && line !== "." && line !== "..") paths.push(`${dir}/${line}`);
  }
  return paths.sort();
}

function filesUnder(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    if (statSync(join(root, p)).isDirectory()) out.push(...filesUnder(root, p));
    else out.push(p);
  }
  return out;
}

const tempDir = () => mkdtempSync(join(tmpdir(), "p2vfix-ntfs-interop-"));

interface Volume {
  name: string;
  file: () => Promise<string>;
}

const volumes: Volume[] = [
  { name: "fixture windows.ntfs", file: async () => fixtureFile("windows") },
  { name: "fixture hibernated.ntfs", file: async () => fixtureFile("hibernated") },
  { name: "fixture dirty.ntfs", file: async () => fixtureFile("dirty") },
];
if (hasCorpus()) {
  volumes.push({ name: "corpus testfs1", file: async () => corpusPath("images/ColinFinck-ntfs/testfs1") });
  volumes.push({
    name: "corpus ntfs_index partition",
    file: async () => {
      const disk = await corpusBytes("images/dfir_ntfs/ntfs_index.raw.gz");
      const path = join(tempDir(), "ntfs_index.part");
      writeFileSync(path, disk.subarray(128 * 512));
      return path;
    },
  });
}

describe.skipIf(!toolsAvailable("ntfsls", "ntfscat", "ntfsinfo"))("NTFS interop with ntfs-3g", () => {
  it.each(volumes)("$name: recursive listing equals ntfsls -R", async ({ file }) => {
    const path = await file();
    const vol = openNtfs(new FileDevice(path));
    const ours = walk(vol).map((f) => f.path).sort();
    expect(ours).toEqual(ntfslsPaths(path));
  });

  it.each(volumes)("$name: special files read byte for byte like ntfscat", async ({ file }) => {
    const path = await file();
    const vol = openNtfs(new FileDevice(path));
    const files = walk(vol).filter((f) => !f.isDirectory && !isWof(vol, f));
    // Every file whose data is not a simple run list, plus a spread of the others.
    const special = files.filter((f) => f.compressed || f.sparse || f.streams || (f.allocatedSize ?? 0) > 65536 || /link|SYSTEM|hiberfil/i.test(f.path));
    const sample = [...special, ...files.filter((_, i) => i % 60 === 0)];
    expect(sample.length).toBeGreaterThan(1);
    for (const f of sample) {
      const theirs = runTool("ntfscat", ["-f", path, f.path]);
      expect(theirs.status, `${f.path}: ${theirs.stderr}`).toBe(0);
      expect(Buffer.from(vol.readFile(f.path)).equals(theirs.stdout), f.path).toBe(true);
      for (const stream of f.streams ?? []) {
        const s = runTool("ntfscat", ["-f", "-a", "0x80", "-n", stream, path, f.path]);
        expect(s.status, s.stderr).toBe(0);
        expect(Buffer.from(vol.readFile(`${f.path}:${stream}`)).equals(s.stdout), `${f.path}:${stream}`).toBe(true);
      }
    }
  });

  it.each(volumes)("$name: dirty flag and version equal ntfsinfo -m", async ({ file }) => {
    const path = await file();
    const vol = openNtfs(new FileDevice(path));
    const info = runTool("ntfsinfo", ["-f", "-m", path]).stdout.toString("utf8");
    const flags = parseInt(info.match(/Volume Flags: 0x([0-9a-f]+)/i)![1], 16);
    expect(vol.volumeFlags).toBe(flags);
    expect(volumeState(vol).dirty).toBe((flags & 1) === 1);
    expect(info).toContain(`Volume Version: ${vol.version}`);
    expect(info).toContain(`Cluster Size: ${vol.boot.clusterSize}`);
  });
});

describe.skipIf(!toolsAvailable("fls", "tsk_recover", "icat"))("NTFS interop with sleuthkit", () => {
  it.each(volumes)("$name: names, record numbers and streams equal fls -r -p", async ({ file }) => {
    const path = await file();
    const vol = openNtfs(new FileDevice(path));
    const fls = runTool("fls", ["-r", "-p", path]);
    expect(fls.status, fls.stderr).toBe(0);
    const theirs = new Set<string>();
    for (const line of fls.stdout.toString("utf8").split("\n")) {
      const m = line.match(/^(\S)\/(\S) (\*?\s*)(\d+)(?:-\d+-\d+)?:\t(.*)$/);
      if (!m || m[3].includes("*")) continue; // deleted entries
      const [, , , , inode, name] = m;
      // Metafiles (records below 16, $Extend and its children) and sleuthkit's virtual $OrphanFiles.
      if (Number(inode) < 16 || /^\$(Extend|OrphanFiles)(\/|$)/.test(name)) continue;
      theirs.add(`${inode} /${name}`);
    }
    const ours = new Set<string>();
    for (const f of walk(vol)) {
      ours.add(`${f.id} ${f.path}`);
      for (const s of f.streams ?? []) ours.add(`${f.id} ${f.path}:${s}`);
    }
    expect([...ours].sort()).toEqual([...theirs].sort());
  });

  it.each(volumes)("$name: every non-empty file equals what tsk_recover extracts", async ({ file }) => {
    const path = await file();
    const vol = openNtfs(new FileDevice(path));
    const out = tempDir();
    const r = runTool("tsk_recover", ["-a", path, out]);
    expect(r.status, r.stderr).toBe(0);
    const recovered = filesUnder(out)
      .filter((p) => !p.startsWith("$Extend/"))
      .sort();
    const ours = walk(vol).filter((f) => !f.isDirectory && f.size > 0);
    expect(recovered).toEqual(ours.map((f) => f.path.slice(1)).sort());
    for (const f of ours) {
      if (isWof(vol, f)) {
        // sleuthkit extracts the placeholder $DATA; we refuse it as not being the content.
        expect(() => vol.readFile(f.path)).toThrow(expect.objectContaining({ code: "wof-compressed" }));
        continue;
      }
      expect(Buffer.from(vol.readFile(f.path)).equals(readFileSync(join(out, f.path))), f.path).toBe(true);
    }
  });
});

describe.skipIf(!hasCorpus() || !toolsAvailable("qemu-img", "icat"))("NTFS interop: Windows-made volume in qcow2", () => {
  it("windows_volume.qcow2: the syslog file equals icat", () => {
    const raw = join(tempDir(), "windows_volume.raw");
    expect(runTool("qemu-img", ["convert", "-O", "raw", corpusPath("images/dfvfs/windows_volume.qcow2"), raw]).status).toBe(0);
    const vol = openNtfs(new MemoryDevice(new Uint8Array(readFileSync(raw)), { writable: false }));
    const info = vol.stat("Windows/System32/config/syslog")!;
    const icat = runTool("icat", [raw, String(info.id)]);
    expect(Buffer.from(vol.readFile("Windows/System32/config/syslog")).equals(icat.stdout)).toBe(true);
  });
});
