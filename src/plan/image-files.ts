/**
 * Copying host files and folders into an image, making folders and deleting, through the safe
 * write path (apply/transaction.ts: refusals, undo file, write, verify): what `p2vfix cp`,
 * `mkdir`, `rm` and a plan's `files:` section run. All operations of one call are one NTFS
 * writer session and one transaction: one undo file puts the image back byte for byte.
 *
 * Host side: sources are read with lstat; symbolic links inside a copied folder are skipped and
 * reported (p2vfix never follows a link it did not create), as are sockets and devices.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Stats } from "node:fs";
import { basename, join, normalize, sep } from "node:path";
import { NotFoundError, RefusedError, UsageError, VerifyError } from "../errors.js";
import { COPY_CHUNK, type FileContent } from "../fs/ntfs/create/ntfs-writer.js";
import { NtfsVolume } from "../fs/ntfs/volume.js";
import { AttributeType } from "../fs/ntfs/attribute.js";
import type { DataStream } from "../fs/ntfs/data-stream.js";
import { pathComponents } from "../fs/filesystem.js";
import { preflightVolume, runTransaction, targetOf, type TransactionOptions, type TransactionReport } from "../apply/index.js";
import { locateWindows, type Volume } from "../image/index.js";
import type { DiskImage } from "../vdisk/index.js";
import { createHash, type Hash } from "node:crypto";
import { shortNamePolicyFor } from "./short-name-policy.js";
import { sameBytes } from "../util/same-bytes.js";
import { Slabs } from "../util/slabs.js";

export type ImageFileOperation =
  | { kind: "mkdir"; path: string; parents?: boolean }
  /** Host files or folders into `dest`: into it when it is a folder, else as that name. */
  | { kind: "copy"; sources: string[]; dest: string; recursive?: boolean }
  | { kind: "remove"; path: string; recursive?: boolean };

export interface ImageFilesOptions extends TransactionOptions {
  partition?: number;
  /** Replace files that exist (folders are merged, never replaced). */
  overwrite?: boolean;
  /** Bytes copied so far out of the total, after each file. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Report each created file's SHA-256 (taken from the bytes read back in the staged verify).
   * Off by default: the verify compares every byte with the host file either way, and the hash
   * is one more pass over all of them (a third of a 40 MiB copy's CPU) for a figure only a
   * report shows; `cp --json` asks for it.
   */
  hashes?: boolean;
}

export interface ImageFilesResult {
  partition: number;
  /** sha256 only when asked for (ImageFilesOptions.hashes). */
  created: Array<{ path: string; size: number; sha256?: string }>;
  folders: string[];
  removed: string[];
  /** Host entries not copied (links, devices) with the reason. */
  skipped: Array<{ source: string; reason: string }>;
  bytes: number;
  /** Whether new names got DOS 8.3 aliases, and why (the image's NtfsDisable8dot3NameCreation). */
  shortNames: { create: boolean; reason: string };
}

/** One host file or folder to create at `dest` in the image. */
interface CopyItem {
  source: string;
  dest: string;
  dir: boolean;
  size: number;
  /** The walk's lstat of a file: the open must reach this same file (device and inode). */
  identity?: { dev: number; ino: number };
}

function imagePath(path: string): string {
  return "/" + pathComponents(path.replace(/\\/g, "/")).join("/");
}

/** Walks a host source (lstat only), listing what to create, parents before children; `dest` is an image path ("/", "/a/b"). */
function walkSource(source: string, dest: string, recursive: boolean, items: CopyItem[], skipped: ImageFilesResult["skipped"]): void {
  let st;
  try {
    st = lstatSync(source);
  } catch {
    throw new NotFoundError("not-found", `${source}: no such file or folder on the host`, { path: source });
  }
  if (st.isSymbolicLink()) {
    skipped.push({ source, reason: "symbolic link (not followed)" });
    return;
  }
  if (st.isDirectory()) {
    if (!recursive) throw new UsageError("is-directory", `${source} is a folder: use -r to copy it with its contents`, { path: source });
    items.push({ source, dest, dir: true, size: 0 });
    // join(source, name) for every entry, normalising once per folder: path.join of 1,500 names
    // took 8-12 ms in a fresh process, the concatenation 0.2 (a name from a listing is one plain
    // component, so the two give the same path).
    const folder = normalize(source);
    const prefix = folder.endsWith(sep) ? folder : folder + sep;
    // Likewise the image path: a plain name is appended, one with a backslash goes through imagePath.
    const destPrefix = dest === "/" ? dest : dest + "/";
    for (const name of namesInFolder(source, st)) walkSource(prefix + name, name.includes("\\") ? imagePath(destPrefix + name) : destPrefix + name, true, items, skipped);
    return;
  }
  if (!st.isFile()) {
    skipped.push({ source, reason: "not a regular file" });
    return;
  }
  items.push({ source, dest, dir: false, size: st.size, identity: { dev: st.dev, ino: st.ino } });
}

/** O_NOFOLLOW where the platform has it (not on Windows). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * The names in a host folder the walk found with `found` (its lstat), sorted, read from that
 * folder and no other: a folder swapped for a link since would list another place's files. On
 * Linux the folder is opened without following a link and listed through /proc/self/fd; elsewhere
 * it is listed by path and must be the same folder (device, inode) before and after.
 */
export function namesInFolder(path: string, found: Stats): string[] {
  const moved = () => new VerifyError("source-changed", `${path} is no longer the folder found a moment ago (replaced, or a link now); nothing was written`, { path });
  const same = (st: Stats) => st.isDirectory() && st.dev === found.dev && st.ino === found.ino;
  if (process.platform === "linux" && constants.O_DIRECTORY !== undefined) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | NOFOLLOW);
    } catch {
      throw moved();
    }
    try {
      if (!same(fstatSync(fd))) throw moved();
      return readdirSync(`/proc/self/fd/${fd}`).sort();
    } finally {
      closeSync(fd);
    }
  }
  const names = readdirSync(path).sort();
  if (!same(lstatSync(path))) throw moved();
  return names;
}

/**
 * Opens a host file p2vfix looked at before (the walk, or the copy), never following a link in
 * its place and never waiting on a FIFO (O_NONBLOCK), and checks it is still that regular file
 * (device and inode, and size and mtime when given): one swapped for a link, a FIFO or another
 * file (its folder replaced by a link, say), or changed, is refused, nothing written.
 */
function openSameHostFile(path: string, expected: { dev: number; ino: number; size?: number; mtimeMs?: number }): { fd: number; stat: Stats } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new VerifyError("source-changed", `${path} could not be opened as the file found a moment ago (${(err as Error).message}); nothing was written`, { path });
  }
  const now = fstatSync(fd);
  const same = now.isFile() && now.dev === expected.dev && now.ino === expected.ino && (expected.size === undefined || now.size === expected.size) && (expected.mtimeMs === undefined || now.mtimeMs === expected.mtimeMs);
  if (!same) {
    closeSync(fd);
    throw new VerifyError("source-changed", `${path} is no longer the file found a moment ago (changed, replaced, or reached through a link now); nothing was written`, { path });
  }
  return { fd, stat: now };
}

/** The buffer a copy session reads host files into (hostContent), grown when a read needs more. */
interface ReadBuffer {
  bytes: Uint8Array;
}

/**
 * Host files up to this size keep a copy of the bytes the copy read, for the staged verify to
 * compare with (see sameAsHost), while the kept bytes stay within KEPT_BYTES_BUDGET in all:
 * a tree of small files is then not opened, read and closed a second time. Larger files, and
 * small ones past the budget, are read from the host again.
 */
const KEEP_FILE_BYTES = 64 * 1024;
const KEPT_BYTES_BUDGET = 8 * 1024 * 1024;
/**
 * The kept copies are carved from slabs of this size: one ArrayBuffer per slab, not one per file
 * (each is an object the collector tracks until the verify; 1,500 small files made 1,500).
 */
const KEPT_SLAB = 256 * 1024;

/**
 * A host file read piece by piece while the writer copies it (in order). Not hashed here: the
 * staged verify compares the copy with the host file byte for byte and hashes the copy, one
 * SHA-256 pass per byte instead of two (see sameAsHost). `kept`, when given (of the file's
 * size), receives a copy of every piece before the writer sees it: the writer cannot change
 * what the verify compares with.
 */
function hostContent(fd: number, size: number, source: string, reads: ReadBuffer, kept?: Uint8Array): FileContent & { done(): void } {
  let handed = 0;
  return {
    size,
    read(offset, length) {
      // Every piece, of this file or the next, comes in the session's one read buffer: the writer
      // copies each into the volume before it asks for more (FileContent in ntfs-writer.ts), and
      // 1,500 small files no longer make 1,500 buffers.
      if (reads.bytes.length < length) reads.bytes = new Uint8Array(length);
      const out = reads.bytes.subarray(0, length);
      for (let at = 0; at < length; ) {
        const bytesRead = readSync(fd, out, at, length - at, offset + at);
        if (bytesRead === 0) throw new VerifyError("source-changed", `${source} shrank while it was being copied; nothing was written`, { path: source });
        at += bytesRead;
      }
      if (offset !== handed || (kept && offset + length > kept.length)) throw new VerifyError("source-read-order", `${source} was read out of order (internal error); nothing was written`, { path: source });
      kept?.set(out, offset);
      handed += length;
      return out;
    },
    done() {
      if (handed !== size) throw new VerifyError("source-read-order", `${source}: ${handed} of ${size} bytes were read (internal error); nothing was written`, { path: source });
    },
  };
}

/** The NTFS volume the operations land on: --partition, else the one holding Windows, else the only NTFS one. */
function chooseVolume(image: DiskImage, imageFile: string, partition: number | undefined): Volume {
  const target = targetOf(image, imageFile);
  const ntfs = target.volumes.filter((volume) => (partition === undefined ? volume.kind === "ntfs" : volume.index === partition));
  const fat = target.volumes.find((volume) => volume.kind.startsWith("fat"));
  if (ntfs.length === 0 && partition === undefined && fat) return fat; // refused by the caller, with the reason
  if (ntfs.length === 0) throw new NotFoundError("no-volume", `${imageFile}: ${partition === undefined ? "no NTFS volume" : `no partition ${partition}`}`);
  if (ntfs.length === 1) return ntfs[0];
  const windows = locateWindows(target.volumes).installations.map((installation) => installation.volume);
  const withWindows = ntfs.filter((volume) => windows.includes(volume));
  if (withWindows.length === 1) return withWindows[0];
  throw new UsageError("ambiguous-volume", `${imageFile}: partitions ${ntfs.map((volume) => volume.index).join(", ")} could all hold the path: pick one with --partition N`);
}

/** Runs `operations` on one volume of the image in one transaction. */
export function writeFilesInImage(imageFile: string, operations: ImageFileOperation[], options: ImageFilesOptions = {}): TransactionReport<ImageFilesResult> {
  return runTransaction(
    imageFile,
    (image) => {
      const volume = chooseVolume(image, imageFile, options.partition);
      const where = `${imageFile}:${volume.index ? `partition ${volume.index}` : "volume"}`;
      if (volume.kind.startsWith("fat")) {
        // FAT writes (long-name entries, every FAT copy, FSInfo, growing folders) are not built: see docs/ntfs-create.md "FAT".
        const ntfs = targetOf(image, imageFile).volumes.filter((candidate) => candidate.kind === "ntfs").map((candidate) => candidate.index);
        const hint = ntfs.length > 0 ? `pick an NTFS partition with --partition (${ntfs.join(", ")})` : "this image has no NTFS volume to copy to";
        throw new RefusedError("fat-not-supported", `${where} is a FAT volume (the EFI system partition); p2vfix creates, replaces and deletes files on NTFS only, nothing was written: ${hint}`);
      }
      const fs = preflightVolume(volume, where);
      const policy = shortNamePolicyFor(targetOf(image, imageFile).volumes, volume);
      // The transaction's overlay is the staging layer: any error throws it all away.
      const writer = fs.writer({ staged: false, shortNames: policy.create });
      // Where each created file came from, for the staged verify's byte compare (same order as result.created).
      const sources: HostSource[] = [];
      let keptBytes = 0;
      const keptSlabs = new Slabs(KEPT_SLAB);
      // The writer reads data in COPY_CHUNK pieces, small files whole.
      const reads: ReadBuffer = { bytes: new Uint8Array(COPY_CHUNK) };
      const result: ImageFilesResult = { partition: volume.index, created: [], folders: [], removed: [], skipped: [], bytes: 0, shortNames: { create: policy.create, reason: policy.reason } };
      // Sizes first, for progress; destinations are resolved when each copy runs (an earlier
      // mkdir in the same call may create its folder).
      // The host side is walked once, up front: sizes for progress, and what each source holds,
      // relative to where it lands ("/" is the source itself).
      const walked = new Map<ImageFileOperation, Array<{ items: CopyItem[]; skipped: ImageFilesResult["skipped"] }>>();
      for (const op of operations) {
        if (op.kind !== "copy") continue;
        walked.set(
          op,
          op.sources.map((source) => {
            const items: CopyItem[] = [];
            const skipped: ImageFilesResult["skipped"] = [];
            walkSource(source, "/", op.recursive ?? false, items, skipped);
            return { items, skipped };
          }),
        );
      }
      const total = [...walked.values()].flat().reduce((sum, walk) => walk.items.reduce((count, item) => count + item.size, sum), 0);
      const plans: Array<{ op: ImageFileOperation; items: CopyItem[] }> = [];
      const itemsOf = (op: ImageFileOperation & { kind: "copy" }): CopyItem[] => {
        const items: CopyItem[] = [];
        const dest = imagePath(op.dest);
        const destRecord = writer.lookup(dest);
        const intoFolder = destRecord !== undefined && writer.vol.record(destRecord).isDirectory;
        if (op.sources.length > 1 && !intoFolder) throw new UsageError("not-a-directory", `${where}:${dest} must be an existing folder to copy several sources into`);
        op.sources.forEach((source, i) => {
          const base = intoFolder ? imagePath(`${dest}/${basename(source)}`) : dest;
          const { items: relative, skipped } = walked.get(op)![i];
          for (const item of relative) items.push({ ...item, dest: item.dest === "/" ? base : `${base}${item.dest}` });
          result.skipped.push(...skipped);
        });
        return items;
      };
      // One growth of $MFT for the whole copy, when it needs one.
      writer.expectRecords([...walked.values()].flat().reduce((sum, walk) => sum + walk.items.length, 0));
      for (const op of operations) {
        if (op.kind === "mkdir") {
          const path = imagePath(op.path);
          // With parents, each missing folder on the way is made, and listed; one that exists already is merged.
          const missing = (op.parents ? pathComponents(path).map((_, i, parts) => `/${parts.slice(0, i + 1).join("/")}`) : [path]).filter((folder) => writer.lookup(folder) === undefined);
          writer.mkdir(path, { parents: op.parents });
          result.folders.push(...(missing.length > 0 ? missing : [path]));
        } else if (op.kind === "remove") {
          writer.remove(imagePath(op.path), { recursive: op.recursive });
          result.removed.push(imagePath(op.path));
        } else {
          const items = itemsOf(op);
          plans.push({ op, items });
          for (const item of items) {
            if (item.dir) {
              const existing = writer.lookup(item.dest);
              if (existing === undefined) writer.mkdir(item.dest);
              else if (!writer.vol.record(existing).isDirectory) throw new UsageError("exists", `${where}:${item.dest} is a file; a folder cannot replace it`);
              result.folders.push(item.dest);
              continue;
            }
            const { fd, stat: before } = openSameHostFile(item.source, item.identity!);
            try {
              // The size is taken again from the open file (`before`): it is what gets copied.
              const keep = before.size <= KEEP_FILE_BYTES && keptBytes + before.size <= KEPT_BYTES_BUDGET;
              const kept = keep ? keptSlabs.take(before.size) : undefined;
              keptBytes += kept?.length ?? 0;
              const content = hostContent(fd, before.size, item.source, reads, kept);
              writer.createFile(item.dest, content, { overwrite: options.overwrite });
              const after = fstatSync(fd);
              if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
                throw new VerifyError("source-changed", `${item.source} changed while it was copied into the image; nothing was written`, { path: item.source });
              }
              content.done();
              // sha256 (when asked for) is taken by the staged verify, from the bytes read back from the image.
              result.created.push({ path: item.dest, size: before.size });
              // Only what the verify checks again: the Stats (and its four Dates) can die young instead of living until the verify.
              sources.push({ path: item.source, identity: { dev: before.dev, ino: before.ino, size: before.size, mtimeMs: before.mtimeMs }, kept });
              result.bytes += before.size;
            } finally {
              closeSync(fd);
            }
            options.onProgress?.(result.bytes, total);
          }
        }
      }
      writer.commit();
      return {
        changes: [...result.folders.map((folder) => `${where}:${folder}/`), ...result.created.map((created) => `${where}:${created.path}`), ...result.removed.map((removed) => `${where}:${removed} (removed)`)],
        verify: (fresh, stage) => {
          const again = chooseVolume(fresh, imageFile, volume.index).fs();
          if (!(again instanceof NtfsVolume)) throw new VerifyError("verify-failed", `${where}: not NTFS after the write`);
          for (const folder of result.folders) if (!again.stat(folder)?.isDirectory) throw new VerifyError("verify-failed", `${where}:${folder} is not a folder after the write`);
          // One index walk per folder, then each file's data by record number.
          const byFolder = new Map<string, Array<{ file: (typeof result.created)[number]; source: HostSource }>>();
          result.created.forEach((created, i) => {
            const folder = created.path.slice(0, created.path.lastIndexOf("/")) || "/";
            const files = byFolder.get(folder);
            if (files) files.push({ file: created, source: sources[i] });
            else byFolder.set(folder, [{ file: created, source: sources[i] }]);
          });
          const buffer = new Uint8Array(VERIFY_PIECE);
          const hostBuffer = new Uint8Array(VERIFY_PIECE);
          for (const [folder, files] of byFolder) {
            const records = new Map(again.indexEntries(folder).map((indexEntry) => [indexEntry.fileName.name.toUpperCase(), indexEntry.reference.record]));
            for (const { file, source } of files) {
              const record = records.get(file.path.slice(file.path.lastIndexOf("/") + 1).toUpperCase());
              if (record === undefined) throw new VerifyError("verify-failed", `${where}:${file.path} is not in its folder after the write`);
              // After the commit every written byte (the file's record among them) was read back and
              // matched the overlay whose record was parsed and checked here in the staged verify:
              // parsing the same bytes again cannot give another answer, so only the index is walked.
              if (stage === "committed") continue;
              const stream = again.stream(record, AttributeType.data, "");
              if (stream.size !== file.size) throw new VerifyError("verify-failed", `${where}:${file.path} has the wrong size after the write`);
              const hash = options.hashes ? createHash("sha256") : undefined;
              if (!sameAsHost(stream, source, buffer, hostBuffer, hash)) throw new VerifyError("verify-failed", `${where}:${file.path} reads back different bytes than ${source.path}; nothing was written`);
              if (hash) file.sha256 = hash.digest("hex");
            }
          }
          for (const removed of result.removed) if (again.stat(removed) !== undefined) throw new VerifyError("verify-failed", `${where}:${removed} still exists after the write`);
        },
        result,
      };
    },
    options,
  );
}

/** A copied host file: its path, what fstat said when it was read, and for a small one the bytes read. */
interface HostSource {
  path: string;
  /** What fstat said of the file when it was read. */
  identity: { dev: number; ino: number; size: number; mtimeMs: number };
  /** The bytes the copy read (a copy of them, taken before the writer saw them); see KEEP_FILE_BYTES. */
  kept?: Uint8Array;
}

/** Bytes compared and hashed per read in the staged verify: 256 KiB keeps both pieces in the CPU's L2 cache (see change-map.ts PIECE). */
const VERIFY_PIECE = 256 * 1024;

/**
 * Whether a copied file reads back from the staged image as the host file's bytes, compared
 * piece by piece (the host file is in the page cache; a compare costs far less than a SHA-256
 * pass), the copy fed to `hash` when given. A small file is compared with the bytes the copy
 * read from the host (kept); any other is opened again without following a link, and must
 * still be the file that was read (device, inode, size, mtime): one replaced or changed since
 * fails the write. (Why small files are not re-read: docs/ntfs-create.md, "Staged verify".)
 */
function sameAsHost(stream: DataStream, source: HostSource, buffer: Uint8Array, hostBuffer: Uint8Array, hash: Hash | undefined): boolean {
  if (source.kept) {
    if (source.kept.length !== stream.size) return false;
    const copy = buffer.subarray(0, stream.size);
    stream.readInto(0, copy, 0, stream.size);
    if (!sameBytes(copy, source.kept)) return false;
    hash?.update(copy);
    return true;
  }
  const { fd } = openSameHostFile(source.path, source.identity);
  try {
    for (let at = 0; at < stream.size; at += buffer.length) {
      const length = Math.min(buffer.length, stream.size - at);
      stream.readInto(at, buffer, 0, length);
      for (let got = 0; got < length; ) {
        const bytesRead = readSync(fd, hostBuffer, got, length - got, at + got);
        if (bytesRead === 0) return false;
        got += bytesRead;
      }
      const copy = buffer.subarray(0, length);
      if (!sameBytes(copy, hostBuffer.subarray(0, length))) return false;
      hash?.update(copy);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** A plan's `files:` entries as operations: each `to` folder made, then `from`'s contents copied into it. */
export function planFileOperations(entries: ReadonlyArray<{ from: string; to: string }>): ImageFileOperation[] {
  const ops: ImageFileOperation[] = [];
  for (const entry of entries) {
    ops.push({ kind: "mkdir", path: entry.to, parents: true });
    let st;
    try {
      st = lstatSync(entry.from);
    } catch {
      throw new NotFoundError("not-found", `plan files: ${entry.from} does not exist on the host`, { path: entry.from });
    }
    const sources = st.isDirectory() ? readdirSync(entry.from).sort().map((fileName) => join(entry.from, fileName)) : [entry.from];
    if (sources.length > 0) ops.push({ kind: "copy", sources, dest: entry.to, recursive: true });
  }
  return ops;
}
