/**
 * In-place replacement of an existing file's unnamed $DATA (disk-formats-notes §3.7): the
 * writer every hive edit inside an image goes through.
 *
 * What changes:
 * - the file's clusters, through its runlist; the new content is followed by zeros up to the
 *   end of its last cluster so no old bytes linger past the new size;
 * - when the size changes: data and initialized size in the $DATA header, and the sizes in
 *   every $FILE_NAME copy — the index entries in the parent directories (as ntfs-3g does) and
 *   the $FILE_NAME attributes in the file's own record (kept equal to the index copies);
 * - when the file outgrows its clusters: new clusters from $Bitmap (first fit from the
 *   cluster after the file's last one, outside the MFT zone while space remains elsewhere), re-encoded mapping pairs, highest VCN and allocated
 *   size. A smaller file keeps its clusters (allocated size above data size is valid NTFS).
 * - MFT and INDX records are written with a fresh update sequence number; records that
 *   $MFTMirr mirrors are written there too.
 * Times in $STANDARD_INFORMATION and $FILE_NAME are left as they are: they are cosmetic, and
 * leaving them keeps the write (and the undo file) to the bytes that matter.
 *
 * A $DATA split into extents over several records (attribute list) is handled the same way:
 * sizes in the first extent, new runs appended to the last one, in whichever records hold them.
 *
 * Refused with a typed error and nothing written: a read-only device, a dirty, hibernated or
 * not cleanly unmounted volume, directories, named streams, resident, compressed, sparse or
 * encrypted data, reparse points (WOF), growth whose runlist no longer fits the record of the
 * last extent (a new extent would be needed), a full volume, and a runlist that cannot be the
 * file's own (cluster-ownership.ts: free in $Bitmap, or over metadata or the path's directories).
 *
 * All checks run and all writes are planned before the first byte is written; the writes
 * then go out in the order data → $Bitmap → index nodes → MFT records, so a crash half way
 * leaks clusters rather than cross-linking them (the transaction's undo file covers the rest).
 */
import { FsError, NotFoundError, NtfsError, RefusedError } from "../../../errors.js";
import { AttributeType, type NonResidentAttribute } from "../attribute.js";
import { parseFileName } from "../file-name.js";
import type { DataRun } from "../runlist.js";
import { FileAttributeFlag, parseStandardInformation } from "../standard-information.js";
import { volumeState } from "../volume-state.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import { allocateClusters, mftZone, type ClusterRun } from "./cluster-bitmap.js";
import { checkClustersOwned } from "./cluster-ownership.js";
import { setDataSizes, setExtentRuns } from "./data-attribute.js";
import { updateIndexSizes, writeSize, type NameToUpdate, type UpdatedIndexEntry } from "./index-entry-sizes.js";
import { PendingWrites } from "./pending-writes.js";
import { commitRecord, loadRecord, type RecordEdit } from "./record-edit.js";

export interface RewriteReport {
  path: string;
  /** MFT record number of the file. */
  record: number;
  sizeBefore: number;
  sizeAfter: number;
  allocatedBefore: number;
  allocatedAfter: number;
  /** Clusters newly taken from $Bitmap. */
  clustersAllocated: ClusterRun[];
  /** MFT records rewritten (the file's, and directories' whose INDEX_ROOT held an entry). */
  recordsWritten: number[];
  /** Of those, the ones also written to $MFTMirr. */
  mirroredRecords: number[];
  indexEntriesUpdated: UpdatedIndexEntry[];
  /** Every device write, in order: device offset, length and what it is. */
  writes: Array<{ deviceOffset: number; length: number; what: string }>;
}

function refuse(code: string, path: string, why: string): never {
  throw new RefusedError(code, `${path}: ${why}; nothing was written`, { path });
}

export function checkVolumeWritable(vol: ReadableNtfsVolume, path: string): void {
  if (!vol.device.writable) refuse("read-only", path, "the volume was opened read-only");
  const state = volumeState(vol);
  if (state.dirty) refuse("ntfs-dirty", path, "the volume is marked dirty; let Windows run chkdsk on it first");
  if (state.hibernated.active) refuse("hibernated", path, `the volume is hibernated (hiberfil.sys "${state.hibernated.signature}"); boot Windows and shut it down fully first`);
  if (state.logFileClean !== true) refuse("logfile-not-clean", path, "$LogFile does not say the volume was cleanly unmounted; boot Windows and shut it down fully first");
}

/** Device byte ranges behind bytes [0, length) of a file laid out by `runs`. */
function mapRuns(runs: readonly DataRun[], clusterSize: number, length: number): Array<{ offset: number; deviceOffset: number; length: number }> {
  const out: Array<{ offset: number; deviceOffset: number; length: number }> = [];
  for (const run of runs) {
    const start = run.vcn * clusterSize;
    if (start >= length) break;
    if (run.lcn === null) throw new NtfsError("unsupported", "sparse run in a file being written");
    out.push({ offset: start, deviceOffset: run.lcn * clusterSize, length: Math.min(run.length * clusterSize, length - start) });
  }
  return out;
}

/** Appends clusters to runs, merging a new run that continues the last one. */
function appendRuns(runs: readonly DataRun[], added: ClusterRun[]): DataRun[] {
  const out = runs.map((run) => ({ ...run }));
  let vcn = out.length ? out[out.length - 1].vcn + out[out.length - 1].length : 0;
  for (const clusterRun of added) {
    const last = out[out.length - 1];
    if (last && last.lcn !== null && last.lcn + last.length === clusterRun.lcn) last.length += clusterRun.length;
    else out.push({ vcn, lcn: clusterRun.lcn, length: clusterRun.length });
    vcn += clusterRun.length;
  }
  return out;
}

export function rewriteFile(vol: ReadableNtfsVolume, path: string, data: Uint8Array): RewriteReport {
  checkVolumeWritable(vol, path);
  const resolved = vol.resolve(path);
  if (!resolved) throw new NotFoundError("not-found", `no such file: ${path}`, { path });
  if (resolved.stream !== "") refuse("named-stream", path, "only a file's unnamed data can be rewritten");
  const recordNumber = resolved.record;
  if (vol.record(recordNumber).isDirectory) throw new FsError("is-directory", `${path} is a directory`, { path });
  if (vol.reparseTag(recordNumber) !== undefined) refuse("reparse-point", path, "the file is a reparse point (WOF-compressed, a link or cloud placeholder)");
  const attrs = vol.attributes(recordNumber);
  const si = attrs.find((attr) => attr.type === AttributeType.standardInformation);
  const flags = si?.resident ? parseStandardInformation(si.value, si.offset).fileAttributes : 0;
  if (flags & FileAttributeFlag.compressed) refuse("compressed", path, "the file is compressed; decompress it on Windows (compact /u) first");
  if (flags & FileAttributeFlag.encrypted) refuse("encrypted", path, "the file is EFS-encrypted");
  if (flags & FileAttributeFlag.sparse) refuse("sparse", path, "the file is sparse");
  const extents = attrs.filter((attr) => attr.type === AttributeType.data && attr.name === "");
  if (extents.length === 0) throw new NotFoundError("no-stream", `${path} has no unnamed data stream`, { path });
  const head = extents.find((extent) => extent.resident || extent.lowestVcn === 0);
  if (!head) throw new NtfsError("bad-attribute", `${path}: no $DATA extent starts at VCN 0`, { path });
  if (head.resident) refuse("resident-data", path, "the data is stored inside the MFT record (a tiny file), which p2vfix does not rewrite");
  if (head.compressed) refuse("compressed", path, "the data attribute is compressed");
  if (head.encrypted) refuse("encrypted", path, "the data attribute is encrypted");
  if (head.sparse) refuse("sparse", path, "the data attribute is sparse");
  const stream = vol.stream(recordNumber, AttributeType.data, "");
  if (stream.runs.some((run) => run.lcn === null)) refuse("sparse", path, "the data has unallocated (sparse) runs");
  checkClustersOwned(vol, path, recordNumber, stream.runs);

  const cs = vol.geometry.clusterSize;
  const clustersHeld = stream.runs.reduce((sum, run) => sum + run.length, 0);
  const clustersNeeded = Math.ceil(data.length / cs);
  const sizeChanges = data.length !== stream.size || stream.initializedSize !== stream.size;
  const grows = clustersNeeded > clustersHeld;
  // Extents in VCN order: the sizes live in the first, new runs go to the last.
  const sorted = (extents as NonResidentAttribute[]).slice().sort((left, right) => left.lowestVcn - right.lowestVcn);
  const last = sorted[sorted.length - 1];

  const pending = new PendingWrites();
  const records = new Map<number, RecordEdit>();
  const edit = (record: number): RecordEdit => {
    let recordEdit = records.get(record);
    if (!recordEdit) records.set(record, (recordEdit = loadRecord(vol, record)));
    return recordEdit;
  };
  /** The same extent as parsed from the record being edited (attribute ids are per record). */
  const extentIn = (recordEdit: RecordEdit, extent: NonResidentAttribute): NonResidentAttribute => {
    const found = recordEdit.parsed.attributes.find((attribute) => attribute.type === AttributeType.data && attribute.name === "" && !attribute.resident && attribute.id === extent.id);
    if (!found) throw new NtfsError("bad-record", `${path}: $DATA extent ${extent.id} not found again in record ${recordEdit.number}`, { path });
    return found as NonResidentAttribute;
  };

  let runs: DataRun[] = [...stream.runs];
  let clustersAllocated: ClusterRun[] = [];
  let allocatedSize = stream.allocatedSize;
  // Planned on a scratch list: $Bitmap is written after the data it will describe.
  const bitmapWrites = new PendingWrites();
  if (grows) {
    const end = runs[runs.length - 1];
    const hint = end && end.lcn !== null ? end.lcn + end.length : 0;
    clustersAllocated = allocateClusters(vol, clustersNeeded - clustersHeld, hint, bitmapWrites, mftZone(vol));
    runs = appendRuns(runs, clustersAllocated);
    allocatedSize = clustersNeeded * cs;
  }
  addData(pending, runs, cs, data, clustersNeeded);
  pending.list.push(...bitmapWrites.list);

  let indexEntriesUpdated: UpdatedIndexEntry[] = [];
  if (sizeChanges || grows) {
    const headEdit = edit(head.recordNumber);
    setDataSizes(headEdit, extentIn(headEdit, head as NonResidentAttribute), { allocatedSize, dataSize: data.length, initializedSize: data.length });
    // $FILE_NAME attributes may sit in extension records when the file has an attribute list.
    const names: NameToUpdate[] = [];
    for (const attr of attrs) {
      if (attr.type !== AttributeType.fileName || !attr.resident) continue;
      const fn = parseFileName(attr.value, attr.offset);
      names.push({ directory: fn.parent.record, name: fn.name, namespace: fn.namespace });
      const recordEdit = edit(attr.recordNumber);
      const own = recordEdit.parsed.attributes.find((attribute) => attribute.type === AttributeType.fileName && attribute.id === attr.id);
      if (!own) throw new NtfsError("bad-record", `${path}: $FILE_NAME attribute ${attr.id} not found again in record ${attr.recordNumber}`, { path });
      const valueOffset = own.offset + (recordEdit.bytes[own.offset + 20] | (recordEdit.bytes[own.offset + 21] << 8));
      writeSize(recordEdit.bytes, valueOffset + 40, allocatedSize);
      writeSize(recordEdit.bytes, valueOffset + 48, data.length);
    }
    if (grows) {
      // Last: re-encoding the runlist moves the attributes after it in that record.
      const lastEdit = edit(last.recordNumber);
      setExtentRuns(lastEdit, extentIn(lastEdit, last), runs.filter((run) => run.vcn >= last.lowestVcn), path);
    }
    indexEntriesUpdated = updateIndexSizes(vol, recordNumber, names, { allocatedSize, dataSize: data.length }, records, pending);
  }

  const mirroredRecords: number[] = [];
  for (const edit of records.values()) if (commitRecord(vol, edit, pending)) mirroredRecords.push(edit.number);

  pending.apply(vol.device);
  vol.forgetCachedRecords();
  return {
    path,
    record: recordNumber,
    sizeBefore: stream.size,
    sizeAfter: data.length,
    allocatedBefore: stream.allocatedSize,
    allocatedAfter: allocatedSize,
    clustersAllocated,
    recordsWritten: [...records.keys()],
    mirroredRecords,
    indexEntriesUpdated,
    writes: pending.list.map((pendingWrite) => ({ deviceOffset: pendingWrite.deviceOffset, length: pendingWrite.bytes.length, what: pendingWrite.what })),
  };
}

/** Queues the new content followed by zeros to the end of its last cluster. */
function addData(pending: PendingWrites, runs: readonly DataRun[], cs: number, data: Uint8Array, clusters: number): void {
  const padded = clusters * cs;
  for (const piece of mapRuns(runs, cs, padded)) {
    const bytes = new Uint8Array(piece.length);
    bytes.set(data.subarray(piece.offset, Math.min(data.length, piece.offset + piece.length)));
    pending.add(piece.deviceOffset, bytes, "file data");
  }
}
