/**
 * Files and folders created by p2vfix on mkntfs volumes of several geometries, read back by
 * ntfs-3g (FUSE mount + diff -r, or ntfsls/ntfscat when FUSE is unavailable), sleuthkit
 * (fls/icat) and libfsntfs (fsntfsinfo); then ntfs-3g writes into the same folders and
 * p2vfix reads its changes (our index trees must be ones ntfs-3g can insert into).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileDevice } from "../../../src/io/index.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { hostTree, mkntfsVolume, sha, tempDir, testTree, writeTree, type Geometry, type TreeModel } from "./create-helpers.js";

const available = toolsAvailable("mkntfs", "ntfsfix", "ntfsls", "ntfscat", "fls", "icat", "ifind", "fsntfsinfo");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function writeVolume(path: string, tree: TreeModel): void {
  const device = new FileDevice(path, { writable: true });
  try {
    const w = openNtfs(device).writer();
    writeTree(w, tree);
    w.commit();
  } finally {
    device.close();
  }
}

/** Mounts with ntfs-3g (read-only unless `rw`); undefined when FUSE is not usable here. */
function mount(image: string, at: string, rw = false): (() => void) | undefined {
  if (!existsSync("/dev/fuse")) return undefined;
  mkdirSync(at, { recursive: true });
  const r = runTool("ntfs-3g", [...(rw ? [] : ["-o", "ro"]), image, at]);
  if (r.status !== 0) return undefined;
  return () => {
    runTool("umount", [at]);
  };
}

const geometries: Array<Geometry & { many: number; large: number }> = [
  { clusterSize: 4096, sizeMiB: 96, many: 1500, large: 40 * 1024 * 1024 },
  { clusterSize: 512, sizeMiB: 48, many: 300, large: 3 * 1024 * 1024 },
  { clusterSize: 65536, sizeMiB: 96, many: 300, large: 3 * 1024 * 1024 },
  { clusterSize: 4096, sectorSize: 4096, sizeMiB: 48, many: 300, large: 0 },
  // Every cluster size between: below the 4 KiB index record (index VCNs in clusters), and above
  // it (index VCNs in 512-byte units, ntfs-3g index.c), smaller trees to keep the run short.
  ...[1024, 2048, 8192, 16384, 32768].map((clusterSize) => ({ clusterSize, sizeMiB: 32, many: 200, large: 1024 * 1024 })),
];

describe.skipIf(!available)("p2vfix-created trees read by ntfs-3g, sleuthkit and libfsntfs", () => {
  for (const g of geometries) {
    it(`cluster ${g.clusterSize} B, sector ${g.sectorSize ?? 512} B: ${g.many} files in one folder, 8 levels, Unicode, 255-unit, empty, resident, ${g.large >> 20} MiB`, () => {
      const dir = tempDir();
      dirs.push(dir);
      const image = mkntfsVolume(dir, g);
      const tree = testTree({ manyFiles: g.many, largeBytes: g.large });
      const logBefore = sha(runTool("ntfscat", [image, "$LogFile"]).stdout);
      writeVolume(image, tree);
      expect(runTool("ntfsfix", ["-n", image]).status).toBe(0);
      // $LogFile is left as it was (clean), as ntfs-3g leaves a clean volume's log.
      expect(sha(runTool("ntfscat", [image, "$LogFile"]).stdout)).toBe(logBefore);

      // ntfs-3g: every byte through a FUSE mount, else names and a sample through ntfsls/ntfscat.
      const host = hostTree(join(dir, "host"), tree);
      const unmount = mount(image, join(dir, "mnt"));
      if (unmount) {
        try {
          const diff = runTool("diff", ["-r", host, join(dir, "mnt", "tree")]);
          expect(diff.stdout.toString() + diff.stderr).toBe("");
          expect(diff.status).toBe(0);
        } finally {
          unmount();
        }
      } else {
        const names = runTool("ntfsls", ["-p", "/tree/many", image]).stdout.toString().split("\n").filter((n) => n && n !== ".");
        expect(names.length).toBe(g.many);
        for (const p of ["/tree/medium.bin", "/tree/resident.txt", ...(g.large ? ["/tree/large.bin"] : [])]) {
          expect(sha(runTool("ntfscat", [image, p]).stdout)).toBe(sha(tree.get(p) as Uint8Array));
        }
      }

      // sleuthkit: every path listed, sample contents by inode.
      const listed = new Set(runTool("fls", ["-r", "-p", image]).stdout.toString().split("\n").map((l) => "/" + l.split("\t")[1]));
      for (const [path] of tree) expect(listed.has(path.replace(/\/$/, "")), path).toBe(true);
      for (const p of ["/tree/medium.bin", "/tree/empty.txt", "/tree/日本語 フォルダ/файл 😀.txt", ...(g.large ? ["/tree/large.bin"] : [])]) {
        const inode = runTool("ifind", ["-n", p, image]).stdout.toString().trim();
        expect(sha(runTool("icat", [image, inode]).stdout), p).toBe(sha(tree.get(p) as Uint8Array));
      }

      // libfsntfs: the whole hierarchy. Its 2020 build lists no entry of an index kept in
      // INDX records whose size is not the cluster size (checked on trees ntfs-3g wrote on
      // 512 B and 64 KiB clusters: same result), and
      // prints names with surrogate pairs wrongly: those are left out.
      const hierarchy = runTool("fsntfsinfo", ["-H", image]).stdout.toString();
      for (const [path] of tree) {
        if (/[\ud800-\udfff]/.test(path) || (g.clusterSize !== 4096 && path.startsWith("/tree/many/"))) continue;
        expect(hierarchy.includes(path.replace(/\/$/, "").replaceAll("/", "\\")), path).toBe(true);
      }

      // ntfs-3g writes into our trees; p2vfix reads its changes.
      const unmountRw = mount(image, join(dir, "mnt"), true);
      if (unmountRw) {
        try {
          runTool("sh", ["-c", `echo by-ntfs-3g > '${join(dir, "mnt", "tree", "many", "zz-added.txt")}' && rm '${join(dir, "mnt", "tree", "many", "file-00001.txt")}' && mkdir '${join(dir, "mnt", "tree", "level1", "added")}'`]);
        } finally {
          unmountRw();
        }
        const device = new FileDevice(image);
        try {
          const vol = openNtfs(device);
          const names = vol.list("/tree/many").map((f) => f.name);
          expect(names.length).toBe(g.many);
          expect(names).toContain("zz-added.txt");
          expect(names).not.toContain("file-00001.txt");
          expect(vol.stat("/tree/level1/added")?.isDirectory).toBe(true);
          expect(sha(vol.readFile("/tree/medium.bin"))).toBe(sha(tree.get("/tree/medium.bin") as Uint8Array));
        } finally {
          device.close();
        }
        expect(readFileSync(image).length).toBe(g.sizeMiB * 1024 * 1024);
      }
    }, 120_000);
  }
});
