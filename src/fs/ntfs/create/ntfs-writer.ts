/**
 * Creating and deleting files and folders on an NTFS volume: one writer session, any number
 * of operations, one commit.
 *
 * Every operation works on a copy-on-write layer over the volume's device (io/spool-overlay-device.ts:
 * 16 MiB in memory, the rest and file data in a spool file in the temp folder); nothing reaches the
 * device before commit(), so a refusal or error anywhere (a bad name, a full MFT, a damaged
 * index) leaves it untouched. Directory indexes changed by the session are rebuilt once each,
 * at commit (directory-index-write.ts), which keeps a 1,500-file copy linear. Between
 * operations the session also keeps what every new file in a folder would look up again: the
 * folder's record by path, its security, its sorted entries (folder-entries.ts) and the $MFT
 * bitmap and slots ahead (mft-allocation.ts); a removal drops what it can make wrong.
 *
 * What a new file gets (Windows' and ntfs-3g's layout, libfsntfs attribute docs):
 * - a record from $MFT's bitmap (24 up), sequence number continuing the slot's;
 * - $STANDARD_INFORMATION (NTFS 3.x, 72 bytes): the times given (default: now), attributes
 *   ARCHIVE for files and none for folders, and the parent folder's security id, which by
 *   being in use by the parent exists in $Secure; owner id, quota and USN 0;
 * - one $FILE_NAME, POSIX or Win32&DOS namespace (win32-name.ts namespaceFor), or with
 *   `shortNames` a Win32 one plus a generated DOS 8.3 one (short-name.ts; docs/ntfs-create.md);
 * - $DATA resident while it fits the record, else non-resident in clusters from $Bitmap taken
 *   outside the MFT zone first; folders get an empty $INDEX_ROOT:$I30 instead.
 * Deleting frees the record (in-use flag cleared, sequence advanced, bitmap bit cleared) and
 * its clusters, and removes every index entry naming it.
 */
import { FsError, NotFoundError, NtfsError, RefusedError, UsageError } from "../../../errors.js";
import { SpoolOverlayDevice, openSpoolIn } from "../../../io/spool-overlay-device.js";
import type { BlockDevice } from "../../../io/block-device.js";
import { pathComponents } from "../../filesystem.js";
import { AttributeType, type NonResidentAttribute } from "../attribute.js";
import { decodeRunlist, type DataRun } from "../runlist.js";
import { ReadableNtfsVolume } from "../readable-volume.js";
import { allocateClusters, mftZone } from "../write/cluster-bitmap.js";
import { PendingWrites } from "../write/pending-writes.js";
import { commitRecordBytes } from "../write/record-edit.js";
import { checkVolumeWritable } from "../write/rewrite-file.js";
import { emptyIndexRoot, writeDirectoryIndex } from "./directory-index-write.js";
import { rawReference, readDirectoryEntries, type RawIndexEntry } from "./index-entries.js";
import { collateFolderEntries, FolderEntries } from "./folder-entries.js";
import { fileNameValue, fileTimeBytes, standardInformationValue } from "./new-file-values.js";
import { growMft } from "./mft-growth.js";
import { type AllocatedRecord, FIRST_FREE_RECORD, freeRecordBytes, MftRecordAllocator, releaseClusters, releaseMftRecord } from "./mft-allocation.js";
import { align8, freeSpace, layoutRecord, nonResidentAttribute, residentAttribute, type AttributeBytes } from "./record-layout.js";
import { everyoneSecurityDescriptor } from "./security-descriptor.js";
import { checkWin32Name, namespaceFor } from "./win32-name.js";
import { DOS_NAME, shortNameFor } from "./short-name.js";

const ROOT = 5;
const ARCHIVE = 0x20;
const DUP_INDEX_PRESENT = 0x10000000;
/**
 * Content is copied to the volume in pieces of this size (a multiple of every cluster size):
 * small enough that a piece read from the host is still in the CPU's L2 cache when it is
 * written on (copying a 40 MiB file through 256 KiB took ~10 ms, through 4 MiB ~14).
 */
export const COPY_CHUNK = 256 * 1024;

/**
 * File content: bytes, or a sized reader (a host file) read piece by piece, in order. What a read
 * returns may be reused by the reader's next read: the writer copies each piece into the volume
 * before it reads again, and keeps none.
 */
export type FileContent = Uint8Array | { size: number; read(offset: number, length: number): Uint8Array };

export interface CreateOptions {
  /** Replace an existing file of that name (folders are never replaced). */
  overwrite?: boolean;
  /** Creation/modification time (default: now). */
  time?: Date;
}

export interface WriterOptions {
  /**
   * false: write straight to the volume's device, for a caller whose device is itself a
   * throw-away layer (the safe write path's overlay, apply/transaction.ts, discards it on any
   * error). Default true: stage in a spool overlay (16 MiB in memory, the rest in a spool file
   * in the temp folder), nothing reaches the device before commit(); call discard() to give up.
   */
  staged?: boolean;
  /**
   * Give a new name that is not itself an upper-case 8.3 name a DOS short name too (a Win32
   * $FILE_NAME plus a DOS one, two index entries, link count 2, as ntfs-3g's
   * system.ntfs_dos_name and Windows do). Default false: one POSIX / WIN32_AND_DOS name. The
   * caller decides from the image's NtfsDisable8dot3NameCreation (plan/short-name-policy.ts).
   */
  shortNames?: boolean;
}

export interface RemoveOptions {
  /** Remove a folder with everything in it. */
  recursive?: boolean;
}

const recordOf = (reference: bigint): number => Number(reference & 0xffffffffffffn);

export class NtfsWriter {
  /** Where the session writes: a spool overlay over the volume's device, or (unstaged) the device itself. */
  private readonly overlay: BlockDevice;
  /** The volume as the session has changed it so far (reopened when $MFT grows). */
  vol: ReadableNtfsVolume;
  private readonly dirs = new Map<number, FolderEntries>();
  /**
   * Folder paths already resolved this session (as given, the part before the last "/"), so
   * the files of one folder do not walk the path again each. Cleared by every removal: only a
   * removal can make a resolved folder path name another record or none.
   */
  private readonly folderRecords = new Map<string, number>();
  /** The security of new files per parent folder (security()); a removed folder's is dropped. */
  private readonly securityOf = new Map<number, { id: number; attributes: AttributeBytes[] }>();
  private clusterHint = 0;
  /** No free record below this one (records taken in order; a removal lowers it again). */
  private recordHint = FIRST_FREE_RECORD;
  private readonly records = new MftRecordAllocator();
  /** New records the caller said are still to come (expectRecords): what a growth of $MFT makes room for. */
  private recordsExpected = 0;
  private committed = false;
  private readonly shortNames: boolean;

  constructor(
    private readonly target: ReadableNtfsVolume,
    options: WriterOptions = {},
  ) {
    checkVolumeWritable(target, "/");
    // node:os when a spool is opened, not at import: the `cat` fast path bundles this module
    // (through NtfsVolume) and never writes.
    this.overlay = options.staged === false ? target.device : new SpoolOverlayDevice(target.device, () => openSpoolIn(process.getBuiltinModule("node:os").tmpdir()));
    this.shortNames = options.shortNames ?? false;
    this.vol = new ReadableNtfsVolume(this.overlay, target.upcase);
  }

  private dir(record: number): FolderEntries {
    let state = this.dirs.get(record);
    if (!state) {
      state = FolderEntries.fromIndex(this.vol.upcase, readDirectoryEntries(this.vol, record).entries);
      state.entries.forEach((entry, i, entries) => {
        this.checkEntry(record, entry);
        // Out of collation order, the rebuilt tree would hide entries from every lookup.
        if (i > 0 && collateFolderEntries(entries[i - 1], entry) >= 0) {
          throw new NtfsError("bad-index", `folder record ${record}: entries "${entries[i - 1].name}" and "${entry.name}" are out of order; run chkdsk on Windows first; nothing was written`);
        }
      });
      this.dirs.set(record, state);
    }
    return state;
  }

  /**
   * An entry the rebuilt index will carry over must name a base record in use, with its
   * sequence number, whose key says it lives in this folder, and whose own $FILE_NAME in this
   * folder is the key's name (the key is a copy of it): a damaged index is refused rather than
   * written back (a damaged name would be carried into the new index, naming nothing).
   */
  private checkEntry(dir: number, rawIndexEntry: RawIndexEntry): void {
    const recordNumber = recordOf(rawIndexEntry.reference);
    const sequence = Number(rawIndexEntry.reference >> 48n);
    const parent = Number(new DataView(rawIndexEntry.key.buffer, rawIndexEntry.key.byteOffset, 8).getBigUint64(0, true) & 0xffffffffffffn);
    let why: string | undefined;
    try {
      const target = this.vol.record(recordNumber);
      if (!target.inUse) why = "is not in use";
      else if (sequence !== 0 && sequence !== target.sequence) why = `has sequence ${target.sequence}, the entry says ${sequence}`;
      else if (target.baseReference.record !== 0) why = "is an extension record";
      else if (parent !== dir) why = `is keyed under folder ${parent}`;
      else if (!this.vol.fileNames(recordNumber).some((fileName) => fileName.parent.record === dir && fileName.namespace === rawIndexEntry.namespace && fileName.name === rawIndexEntry.name)) {
        why = "has no such name in this folder (the index entry's name is damaged)";
      }
    } catch (err) {
      why = `cannot be read (${(err as Error).message})`;
    }
    if (why) throw new NtfsError("stale-reference", `folder record ${dir}: entry "${rawIndexEntry.name}" points to record ${recordNumber}, which ${why}; run chkdsk on Windows first; nothing was written`);
  }

  /** The record a path names, or undefined; a component that is a file is an error. */
  lookup(path: string): number | undefined {
    let record = ROOT;
    const parts = pathComponents(path);
    for (let i = 0; i < parts.length; i++) {
      if (!this.vol.record(record).isDirectory) throw new FsError("not-a-directory", `${path}: "${parts.slice(0, i).join("/")}" is a file, not a folder`, { path });
      const entry = this.dir(record).find(parts[i]);
      if (!entry) return undefined;
      record = recordOf(entry.reference);
    }
    return record;
  }

  private parentOf(path: string): { parent: number; name: string } {
    const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
    const folder = cut >= 0 ? path.slice(0, cut) : undefined;
    const known = folder !== undefined ? this.folderRecords.get(folder) : undefined;
    if (known !== undefined) {
      const name = path.slice(cut + 1);
      // Only plain names were cached under their folder; anything else takes the full route.
      if (name !== "" && name !== "." && name !== "..") {
        checkWin32Name(name, path);
        return { parent: known, name };
      }
    }
    const resolved = this.resolveParent(path);
    if (folder !== undefined && resolved.name === path.slice(cut + 1)) this.folderRecords.set(folder, resolved.parent);
    return resolved;
  }

  private resolveParent(path: string): { parent: number; name: string } {
    const parts = pathComponents(path);
    if (parts.some((part) => part === "..")) throw new UsageError("invalid-path", `${path}: ".." is not allowed in a path inside the image`, { path });
    const name = parts.pop();
    if (name === undefined) throw new UsageError("invalid-path", `${path}: name a file or folder, not the root`, { path });
    checkWin32Name(name, path);
    const parent = this.lookup(parts.join("/"));
    if (parent === undefined) throw new NotFoundError("not-found", `${path}: the folder /${parts.join("/")} does not exist`, { path });
    if (!this.vol.record(parent).isDirectory) throw new FsError("not-a-directory", `${path}: /${parts.join("/")} is a file, not a folder`, { path });
    return { parent, name };
  }

  /**
   * The security of a new file in `dir`: the folder's security id from its NTFS 3.x
   * $STANDARD_INFORMATION (u32 at 52; in use by the folder, so present in $Secure), or, when
   * the folder has none, id 0 and ntfs-3g's Everyone descriptor as a $SECURITY_DESCRIPTOR.
   */
  private security(dir: number): { id: number; attributes: AttributeBytes[] } {
    const known = this.securityOf.get(dir);
    if (known) return known;
    const si = this.vol.attributes(dir).find((attribute) => attribute.type === AttributeType.standardInformation);
    const id = si?.resident && si.value.length >= 72 ? new DataView(si.value.buffer, si.value.byteOffset, si.value.byteLength).getUint32(52, true) : 0;
    // The attribute bytes are shared by the folder's new files: layoutRecord copies them.
    const security = id !== 0 ? { id, attributes: [] } : { id: 0, attributes: [residentAttribute(AttributeType.securityDescriptor, "", everyoneSecurityDescriptor())] };
    this.securityOf.set(dir, security);
    return security;
  }

  /** The names a new entry gets in `parent`: its own, plus a generated DOS name when the session makes them. */
  private namesFor(parent: number, name: string): Array<{ name: string; namespace: number }> {
    if (!this.shortNames || DOS_NAME.test(name)) return [{ name, namespace: namespaceFor(name) }];
    const state = this.dir(parent);
    return [
      { name, namespace: 1 },
      { name: shortNameFor(name, (candidate) => state.find(candidate) !== undefined, state.shortNameTails), namespace: 2 },
    ];
  }

  /** A free MFT record, growing $MFT first when it is full. */
  private allocateRecord(pending: PendingWrites): AllocatedRecord {
    let slot: AllocatedRecord;
    try {
      slot = this.records.allocate(this.vol, pending, this.recordHint);
    } catch (err) {
      if (!(err instanceof RefusedError) || err.code !== "mft-full" || pending.list.length > 0) throw err;
      const growth = new PendingWrites();
      growMft(this.vol, Math.max(1, this.recordsExpected), growth);
      growth.apply(this.overlay);
      this.vol = new ReadableNtfsVolume(this.overlay, this.vol.upcase);
      this.records.forget();
      slot = this.records.allocate(this.vol, pending, this.recordHint);
    }
    this.recordHint = slot.number + 1;
    this.recordsExpected = Math.max(0, this.recordsExpected - 1);
    return slot;
  }

  /**
   * About `count` new files and folders follow: when $MFT must grow for them, it grows for all of
   * them at once, not by MFT_GROWTH_RECORDS at a time (each growth reads the volume's metadata
   * again: six of them were ~15-25 ms of a 1,500-file copy). A hint only: fewer or more is fine.
   */
  expectRecords(count: number): void {
    this.recordsExpected = Math.max(0, count);
  }

  /** Claims the name in `parent`: free, or (overwrite) an existing file removed first. */
  private claimName(parent: number, name: string, path: string, overwrite: boolean): void {
    const found = this.dir(parent).find(name);
    if (!found) return;
    const existing = recordOf(found.reference);
    const what = `${path}: "${found.name}" already exists`;
    if (this.vol.record(existing).isDirectory) throw new FsError("exists", `${what} as a folder`, { path });
    if (!overwrite) throw new FsError("exists", `${what} (names are compared ignoring case, as Windows does)`, { path });
    this.removeRecord(parent, existing, path);
  }

  private placeRecord(number: number, header: { sequence: number; usn: number; flags: number; linkCount: number }, attributes: AttributeBytes[], pending: PendingWrites, path: string): void {
    const record = layoutRecord({ recordNumber: number, recordSize: this.vol.boot.mftRecordSize, nextAttributeId: 0, ...header }, attributes, path);
    commitRecordBytes(this.vol, number, record, pending);
  }

  /** Creates (or with overwrite replaces) a file; returns its MFT record number. */
  createFile(path: string, content: FileContent, options: CreateOptions = {}): number {
    this.checkOpen();
    const { parent, name } = this.parentOf(path);
    this.claimName(parent, name, path, options.overwrite ?? false);
    const pending = new PendingWrites();
    const slot = this.allocateRecord(pending);
    const time = fileTimeBytes(options.time ?? new Date());
    const rs = this.vol.boot.mftRecordSize;
    const cs = this.vol.geometry.clusterSize;
    const size = content instanceof Uint8Array ? content.length : content.size;
    const security = this.security(parent);
    const names = this.namesFor(parent, name);
    const si = residentAttribute(AttributeType.standardInformation, "", standardInformationValue(time, ARCHIVE, security.id));
    const fixedSize = si.bytes.length + names.reduce((sum, nameEntry) => sum + align8(24 + 66 + nameEntry.name.length * 2), 0) + security.attributes.reduce((sum, attribute) => sum + attribute.bytes.length, 0);
    const resident = freeSpace(rs, fixedSize + align8(24 + size)) >= 0;
    let data: AttributeBytes;
    let allocated: number;
    let runs: DataRun[] = [];
    if (resident) {
      const bytes = content instanceof Uint8Array ? content : content.read(0, size);
      data = residentAttribute(AttributeType.data, "", bytes);
      allocated = align8(size);
    } else {
      const clusters = Math.ceil(size / cs);
      let vcn = 0;
      runs = allocateClusters(this.vol, clusters, this.clusterHint, pending, mftZone(this.vol)).map((allocateCluster) => {
        const run = { vcn, lcn: allocateCluster.lcn, length: allocateCluster.length };
        vcn += allocateCluster.length;
        return run;
      });
      const last = runs[runs.length - 1];
      this.clusterHint = last.lcn! + last.length;
      allocated = clusters * cs;
      data = nonResidentAttribute(AttributeType.data, "", runs, { allocatedSize: allocated, dataSize: size, initializedSize: size });
    }
    const keys = this.fileNames(parent, names, time, allocated, size, ARCHIVE);
    // Laid out (and refused when the runlist does not fit) before any byte is written.
    const fileNames = keys.map((key) => residentAttribute(AttributeType.fileName, "", key.key, true));
    this.placeRecord(slot.number, { sequence: slot.sequence, usn: slot.usn, flags: 0x1, linkCount: names.length }, [si, ...fileNames, ...security.attributes, data], pending, path);
    if (!resident) this.writeData(runs, content, size);
    pending.apply(this.overlay);
    this.records.taken(slot.number);
    this.vol.forgetCachedRecords([slot.number]);
    this.addEntries(parent, slot, keys);
    return slot.number;
  }

  /** The $FILE_NAME values of a new entry in `parent`, one per name. */
  private fileNames(parent: number, names: Array<{ name: string; namespace: number }>, time: Uint8Array, allocatedSize: number, dataSize: number, attributes: number): Array<{ name: string; namespace: number; key: Uint8Array }> {
    const reference = { record: parent, sequence: this.vol.record(parent).sequence };
    return names.map((entry) => ({ name: entry.name, namespace: entry.namespace, key: fileNameValue({ parent: reference, name: entry.name, namespace: entry.namespace, time, allocatedSize, dataSize, attributes }) }));
  }

  /** The index entries of a new record, one per name, into its folder's entries. */
  private addEntries(parent: number, slot: AllocatedRecord, keys: Array<{ name: string; namespace: number; key: Uint8Array }>): void {
    const reference = rawReference({ record: slot.number, sequence: slot.sequence });
    const entries = this.dir(parent);
    for (const key of keys) entries.insert({ reference, key: key.key, name: key.name, namespace: key.namespace });
  }

  /** File bytes then zeros to the end of the last cluster, in COPY_CHUNK pieces. */
  private writeData(runs: readonly DataRun[], content: FileContent, size: number): void {
    const cs = this.vol.geometry.clusterSize;
    for (const run of runs) {
      const start = run.vcn * cs;
      const end = start + run.length * cs;
      for (let at = start; at < end; at += COPY_CHUNK) {
        const length = Math.min(COPY_CHUNK, end - at);
        const have = Math.max(0, Math.min(size, at + length) - at);
        const bytes = have > 0 ? (content instanceof Uint8Array ? content.subarray(at, at + have) : content.read(at, have)) : new Uint8Array();
        // Whole pieces go as read; the last one is padded with zeros to its cluster's end.
        let piece = bytes;
        if (have < length) {
          piece = new Uint8Array(length);
          piece.set(bytes);
        }
        this.overlay.write(run.lcn! * cs + (at - start), piece);
      }
    }
  }

  /** Creates a folder (parents too with `parents`); an existing folder is fine with `parents`. */
  mkdir(path: string, options: { parents?: boolean; time?: Date } = {}): number {
    this.checkOpen();
    if (options.parents) {
      const parts = pathComponents(path);
      let record = ROOT;
      for (let i = 0; i < parts.length; i++) {
        const sub = parts.slice(0, i + 1).join("/");
        const found = this.lookup(sub);
        if (found !== undefined && !this.vol.record(found).isDirectory) throw new FsError("not-a-directory", `${path}: /${sub} is a file, not a folder`, { path });
        record = found ?? this.mkdir(sub, { time: options.time });
      }
      return record;
    }
    const { parent, name } = this.parentOf(path);
    this.claimName(parent, name, path, false);
    const pending = new PendingWrites();
    const slot = this.allocateRecord(pending);
    const time = fileTimeBytes(options.time ?? new Date());
    const security = this.security(parent);
    const si = residentAttribute(AttributeType.standardInformation, "", standardInformationValue(time, 0, security.id));
    const keys = this.fileNames(parent, this.namesFor(parent, name), time, 0, 0, DUP_INDEX_PRESENT);
    const root = residentAttribute(AttributeType.indexRoot, "$I30", emptyIndexRoot(this.vol));
    const fileNames = keys.map((key) => residentAttribute(AttributeType.fileName, "", key.key, true));
    this.placeRecord(slot.number, { sequence: slot.sequence, usn: slot.usn, flags: 0x3, linkCount: keys.length }, [si, ...fileNames, ...security.attributes, root], pending, path);
    pending.apply(this.overlay);
    this.records.taken(slot.number);
    this.vol.forgetCachedRecords([slot.number]);
    this.addEntries(parent, slot, keys);
    this.dirs.set(slot.number, new FolderEntries(this.vol.upcase, []));
    return slot.number;
  }

  /** Deletes a file, or a folder (empty, or anything with `recursive`). */
  remove(path: string, options: RemoveOptions = {}): void {
    this.checkOpen();
    const { parent, name } = this.parentOf(path);
    const found = this.dir(parent).find(name);
    if (!found) throw new NotFoundError("not-found", `no such file or folder: ${path}`, { path });
    this.removeTree(parent, recordOf(found.reference), path, options.recursive ?? false);
  }

  private removeTree(parent: number, record: number, path: string, recursive: boolean): void {
    if (record < FIRST_FREE_RECORD) throw new RefusedError("system-file", `${path} is an NTFS system file or reserved record (${record}); p2vfix does not delete it; nothing was written`, { path });
    if (this.vol.record(record).isDirectory) {
      // One name per child (a Win32 name and its DOS alias lead to the same record).
      const children = new Map<number, string>();
      for (const entry of this.dir(record).entries) if (!children.has(recordOf(entry.reference)) || entry.namespace !== 2) children.set(recordOf(entry.reference), entry.name);
      if (children.size > 0 && !recursive) throw new FsError("directory-not-empty", `${path} is a folder that is not empty (use -r to remove it with its contents)`, { path });
      for (const [child, name] of children) this.removeTree(record, child, `${path}/${name}`, true);
    }
    this.removeRecord(parent, record, path);
  }

  private removeRecord(parent: number, record: number, path: string): void {
    const base = this.vol.record(record);
    if (base.attributes.some((attribute) => attribute.type === AttributeType.attributeList)) {
      throw new RefusedError("unsupported", `${path} spreads over several MFT records (attribute list); p2vfix does not delete such files; nothing was written`, { path });
    }
    if (this.vol.fileNames(record).some((fileName) => fileName.parent.record !== parent)) {
      throw new RefusedError("hard-link", `${path} has hard links in other folders; p2vfix does not delete it; nothing was written`, { path });
    }
    const pending = new PendingWrites();
    const runs = base.attributes.filter((attribute): attribute is NonResidentAttribute => !attribute.resident).flatMap((attribute) => decodeRunlist(attribute.mappingPairs, attribute.lowestVcn));
    releaseClusters(this.vol, runs, pending);
    commitRecordBytes(this.vol, record, freeRecordBytes(this.vol, record), pending);
    releaseMftRecord(this.vol, record, pending);
    pending.apply(this.overlay);
    this.recordHint = Math.min(this.recordHint, record);
    this.records.forget();
    this.vol.forgetCachedRecords([record]);
    this.folderRecords.clear();
    this.securityOf.delete(record);
    this.dir(parent).removeRecord(record);
    this.dirs.delete(record);
  }

  private checkOpen(): void {
    if (this.committed) throw new UsageError("writer-committed", "this NTFS writer has already committed; start a new one");
  }

  /**
   * Rebuilds the changed directory indexes, then copies every changed byte to the volume's
   * device. Returns the device ranges written (none when unstaged: they are already there).
   */
  commit(): Array<{ offset: number; length: number }> {
    this.checkOpen();
    for (const [dir, state] of this.dirs) {
      if (!state.dirty) continue;
      const pending = new PendingWrites();
      writeDirectoryIndex(this.vol, this.vol.upcase, dir, state.entries, pending);
      pending.apply(this.overlay);
      this.vol.forgetCachedRecords([dir]);
      state.dirty = false;
    }
    this.committed = true;
    let ranges: Array<{ offset: number; length: number }> = [];
    if (this.overlay instanceof SpoolOverlayDevice) {
      try {
        ranges = this.overlay.writeStretchesToBase();
      } finally {
        this.overlay.dispose();
      }
    }
    this.target.forgetCachedRecords();
    return ranges;
  }

  /** Ends a session without committing: the staged bytes and their spool file are let go, the volume untouched. */
  discard(): void {
    this.committed = true;
    if (this.overlay instanceof SpoolOverlayDevice) this.overlay.dispose();
  }
}
