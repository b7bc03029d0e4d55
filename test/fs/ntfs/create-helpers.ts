/** Shared by the NTFS create tests: mkntfs volumes in temp files and a test tree with a model. */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool } from "../../helpers/interop.js";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import type { NtfsWriter } from "../../../src/fs/ntfs/create/ntfs-writer.js";
import type { ReadableNtfsVolume } from "../../../src/fs/ntfs/readable-volume.js";
import { hiveLike } from "./write-helpers.js";

export const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "p2vfix-ntfs-create-"));
}

export interface Geometry {
  clusterSize: number;
  sectorSize?: number;
  sizeMiB: number;
}

/** A fresh NTFS volume made by mkntfs (quick format) in a temp file; returns its path. */
export function mkntfsVolume(dir: string, g: Geometry): string {
  const path = join(dir, `vol-${g.clusterSize}-${g.sectorSize ?? 512}.ntfs`);
  writeFileSync(path, new Uint8Array(0));
  runTool("truncate", ["-s", `${g.sizeMiB}M`, path]);
  const args = ["-F", "-Q", "-q", "-c", String(g.clusterSize), ...(g.sectorSize ? ["-s", String(g.sectorSize)] : []), path];
  const r = runTool("mkntfs", args);
  if (r.status !== 0) throw new Error(`mkntfs ${args.join(" ")}: ${r.stderr}`);
  return path;
}

/** path (inside the volume, "/"-separated) → content; folders end with "/". */
export type TreeModel = Map<string, Uint8Array | "dir">;

export interface TreeShape {
  /** Files in the one big folder. */
  manyFiles: number;
  /** Size of the one large file (0 = none). */
  largeBytes: number;
}

/** The tree: many files in one folder, 8 levels, Unicode and 255-unit names, empty, resident and large files. */
export function testTree(shape: TreeShape): TreeModel {
  const tree: TreeModel = new Map();
  tree.set("/tree/", "dir");
  tree.set("/tree/many/", "dir");
  for (let i = 0; i < shape.manyFiles; i++) tree.set(`/tree/many/file-${String(i).padStart(5, "0")}${i % 5 === 0 ? "-Ünïcödé" : ""}.txt`, new TextEncoder().encode(`content of file ${i}\n`));
  let deep = "/tree";
  for (let level = 1; level <= 8; level++) {
    deep += `/level${level}`;
    tree.set(`${deep}/`, "dir");
  }
  tree.set(`${deep}/${"N".repeat(251)}.txt`, new TextEncoder().encode("a 255-unit name"));
  tree.set("/tree/日本語 フォルダ/", "dir");
  tree.set("/tree/日本語 フォルダ/файл 😀.txt", new TextEncoder().encode("unicode"));
  tree.set("/tree/empty.txt", new Uint8Array(0));
  tree.set("/tree/resident.txt", new TextEncoder().encode("small enough to live in the MFT record"));
  tree.set("/tree/medium.bin", hiveLike(3, 123_457));
  if (shape.largeBytes > 0) tree.set("/tree/large.bin", hiveLike(4, shape.largeBytes));
  return tree;
}

/** Writes the tree through a writer session (folders first: the map is in creation order). */
export function writeTree(w: NtfsWriter, tree: TreeModel): void {
  for (const [path, content] of tree) {
    if (content === "dir") w.mkdir(path.slice(0, -1));
    else w.createFile(path, content);
  }
}

/** The same tree on the host, for diff -r against a mount. */
export function hostTree(dir: string, tree: TreeModel): string {
  for (const [path, content] of tree) {
    if (content === "dir") mkdirSync(join(dir, path), { recursive: true });
    else writeFileSync(join(dir, path), content);
  }
  return join(dir, "tree");
}

/** Records 24 and up: in use exactly when their $MFT bitmap bit is set. */
export function bitmapMismatches(vol: ReadableNtfsVolume): number[] {
  const rs = vol.boot.mftRecordSize;
  const mft = vol.stream(0, AttributeType.data, "");
  const records = Math.floor(Math.min(mft.size, mft.initializedSize) / rs);
  const bitmap = vol.stream(0, AttributeType.bitmap, "").read(0, Math.ceil(records / 8));
  const out: number[] = [];
  for (let n = 24; n < records; n++) {
    const head = mft.read(n * rs, 24);
    const inUse = head[0] === 0x46 && head[1] === 0x49 && head[2] === 0x4c && head[3] === 0x45 && (head[22] & 0x1) !== 0;
    const bit = (bitmap[n >> 3] & (1 << (n & 7))) !== 0;
    if (inUse !== bit) out.push(n);
  }
  return out;
}
