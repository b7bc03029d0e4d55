/**
 * Shared by the apply tests: fresh copies of the write-path fixtures (tests write into them),
 * SHA-256 of files, and a test double for NTFS file rewriting, used until the NTFS layer's
 * own rewriteFile lands: same-size overwrite of the file's clusters through its runlist, which
 * is exactly disk-formats-notes §3.7 case 1 (verified there with icat/ntfscat).
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileRewriter } from "../../src/apply/index.js";
import { AttributeType } from "../../src/fs/ntfs/attribute.js";
import { NtfsVolume } from "../../src/fs/ntfs/volume.js";
import { fixtureFile } from "../helpers/fixtures.js";

export function freshCopy(name: string, dir = mkdtempSync(join(tmpdir(), "p2vfix-apply-"))): string {
  const out = join(dir, name);
  copyFileSync(fixtureFile(`apply/${name}`), out);
  return out;
}

export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export const sameSizeRewriter: FileRewriter = (fs, path, data) => {
  const resolved = fs.resolve(path);
  if (!resolved) throw new Error(`test rewriter: ${path} not found`);
  const stream = fs.stream(resolved.record, AttributeType.data, "");
  if (stream.size !== data.length || stream.initializedSize !== stream.size) throw new Error(`test rewriter: same-size overwrite only (${stream.size} → ${data.length})`);
  const cs = fs.geometry.clusterSize;
  for (const run of stream.runs) {
    if (run.lcn === null) throw new Error("test rewriter: sparse run");
    const from = run.vcn * cs;
    if (from >= data.length) break;
    const to = Math.min(data.length, (run.vcn + run.length) * cs);
    fs.device.write(run.lcn * cs, data.subarray(from, to));
  }
};

/** NtfsVolume.rewriteFile is there (the NTFS writer landed): tests then go through the real path. */
export const hasNtfsWriter = typeof (NtfsVolume.prototype as unknown as { rewriteFile?: unknown }).rewriteFile === "function";

/** The real NTFS writer when present, else the same-size double. */
export const bestRewriter: FileRewriter | undefined = hasNtfsWriter ? undefined : sameSizeRewriter;
