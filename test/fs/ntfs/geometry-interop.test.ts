/**
 * Volumes of other geometries, made on the fly with mkntfs and filled with ntfscp: 4096-byte
 * sectors (4Kn, 4 KiB MFT records), 64 KiB clusters and 1 KiB clusters. Names and bytes must
 * equal ntfsls / ntfscat.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDevice } from "../../../src/io/index.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";

/** Deterministic bytes that differ at every position. */
function content(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

describe.skipIf(!toolsAvailable("mkntfs", "ntfscp", "ntfscat", "ntfsls"))("NTFS geometries made by mkntfs", () => {
  it.each([
    { sector: 4096, cluster: 4096, mib: 16, record: 4096 },
    { sector: 512, cluster: 65536, mib: 32, record: 1024 },
    { sector: 512, cluster: 1024, mib: 8, record: 1024 },
  ])("$sector-byte sectors, $cluster-byte clusters", ({ sector, cluster, mib, record }) => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-ntfs-geom-"));
    const image = join(dir, "v.ntfs");
    writeFileSync(image, new Uint8Array(0));
    expect(runTool("truncate", ["-s", `${mib}M`, image]).status).toBe(0);
    const made = runTool("mkntfs", ["-F", "-Q", "-T", "-q", "-s", String(sector), "-c", String(cluster), "-L", "GEOM", image]);
    expect(made.status, made.stderr).toBe(0);
    const sizes = [0, 700, cluster - 1, cluster + 1, 3 * cluster + 17, 200000];
    sizes.forEach((size, i) => {
      const source = join(dir, `f${i}`);
      writeFileSync(source, content(i + 1, size));
      const cp = runTool("ntfscp", ["-f", image, source, `/file-${i}.bin`]);
      expect(cp.status, cp.stderr).toBe(0);
    });
    const vol = openNtfs(new FileDevice(image));
    expect([vol.boot.bytesPerSector, vol.boot.clusterSize, vol.boot.mftRecordSize, vol.label]).toEqual([sector, cluster, record, "GEOM"]);
    const listed = runTool("ntfsls", ["-f", image]).stdout.toString("utf8").split("\n").filter(Boolean).sort();
    expect(vol.list("/").map((f) => f.name).sort()).toEqual(listed);
    sizes.forEach((size, i) => {
      const ours = vol.readFile(`/FILE-${i}.BIN`);
      expect(ours.length).toBe(size);
      const theirs = runTool("ntfscat", ["-f", image, `/file-${i}.bin`]).stdout;
      const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
      expect(sha(ours), `file-${i}`).toBe(sha(theirs));
      expect(sha(ours)).toBe(sha(content(i + 1, size)));
    });
  });
});
