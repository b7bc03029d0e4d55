/**
 * An NTFS volume behind the FileSystem interface: boot sector → $MFT (its own data runs,
 * including extents listed in its attribute list) → $UpCase → directory indexes. Paths are
 * matched case-insensitively through $UpCase; "path:stream" names an alternate data stream.
 * Reading only: the writers in write/ and create/ take this class, and NtfsVolume (volume.ts)
 * adds the write operations on top of it, so neither side imports the other.
 */
import { FsError, NotFoundError, NtfsError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { pathComponents, type FileInfo, type FileSystem, type OpenFile } from "../filesystem.js";
import { AttributeType, type Attribute, type NonResidentAttribute } from "./attribute.js";
import { parseAttributeList } from "./attribute-list.js";
import { parseBootSector, type NtfsBootSector } from "./boot-sector.js";
import { DataStream, type VolumeGeometry } from "./data-stream.js";
import { FileNameNamespace, parseFileName, type FileName } from "./file-name.js";
import { DirectoryIndex, type IndexEntry } from "./index.js";
import { parseMftRecord, type MftRecord } from "./mft-record.js";
import { MAX_READ_BYTES } from "./ntfs-reader.js";
import { parseReparsePoint, ReparseTag } from "./reparse-point.js";
import { decodeRunlist, type DataRun } from "./runlist.js";
import { FileAttributeFlag, parseStandardInformation } from "./standard-information.js";
import { UpCaseTable } from "./upcase.js";

export const MftRecordNumber = { mft: 0, mftMirr: 1, logFile: 2, volume: 3, root: 5, upCase: 10, firstUser: 16 } as const;

/** More extension records than any real file has; stops hostile attribute lists. */
const MAX_EXTENSION_RECORDS = 4096;
const RECORD_CACHE_LIMIT = 2048;
/** An attribute list holds at most one entry per attribute; a few MiB is already absurd. */
const MAX_ATTRIBUTE_LIST_BYTES = 4 * 1024 * 1024;

/** A resolved path: the MFT record and the names met on the way. */
export interface NtfsPath {
  record: number;
  /** Stored names from the root, "" components excluded. */
  names: string[];
  /** Alternate data stream asked for with "path:stream" ("" = unnamed). */
  stream: string;
}

export interface NtfsListOptions {
  /** Also list the metafiles ($MFT, $Bitmap, …) and the root's "." entry. Default false. */
  includeSystem?: boolean;
}

export class ReadableNtfsVolume implements FileSystem {
  readonly type = "ntfs" as const;
  readonly boot: NtfsBootSector;
  readonly geometry: VolumeGeometry;
  readonly label?: string;
  readonly upcase: UpCaseTable;
  /** NTFS version from $Volume, e.g. "3.1". */
  readonly version: string;
  /** $Volume VOLUME_INFORMATION flags (0x0001 dirty). */
  readonly volumeFlags: number;
  private readonly mft: DataStream;
  private readonly recordCount: number;
  private readonly records = new Map<number, MftRecord>();
  /** Streams of system files (records 0-15) and the parsed record each was built from. */
  private readonly systemStreams = new Map<string, { record: MftRecord; stream: DataStream }>();

  /**
   * `upcase`: this volume's $UpCase table when the caller already holds it (a writer opening
   * the volume again over its staging layer: no writer changes $UpCase), else read here.
   */
  constructor(
    readonly device: BlockDevice,
    upcase?: UpCaseTable,
  ) {
    if (device.size < 512) throw new NtfsError("truncated", `device of ${device.size} bytes is too small for an NTFS boot sector`, { offset: 0 });
    this.boot = parseBootSector(device.read(0, 512));
    const cs = this.boot.clusterSize;
    // Clamp to the device so a truncated image gives "outside the volume", not a short read.
    const totalClusters = Math.min(Math.floor(this.boot.totalSectors / this.boot.sectorsPerCluster), Math.floor(device.size / cs));
    this.geometry = { clusterSize: cs, totalClusters };
    this.mft = this.openMft();
    this.recordCount = Math.floor(this.mft.size / this.boot.mftRecordSize);
    this.upcase = upcase ?? new UpCaseTable(this.stream(MftRecordNumber.upCase, AttributeType.data, "").read(0, 131072));
    const volume = this.attributes(MftRecordNumber.volume);
    const name = volume.find((attribute) => attribute.type === AttributeType.volumeName);
    const info = volume.find((attribute) => attribute.type === AttributeType.volumeInformation);
    if (name?.resident && name.value.length > 0) this.label = new TextDecoder("utf-16le").decode(name.value);
    if (!info?.resident || info.value.length < 12) throw new NtfsError("bad-volume", "$Volume has no VOLUME_INFORMATION", { offset: info?.offset });
    this.version = `${info.value[8]}.${info.value[9]}`;
    this.volumeFlags = info.value[10] | (info.value[11] << 8);
  }

  /** $MFT's own $DATA: from record 0, plus extents in extension records its attribute list names. */
  private openMft(): DataStream {
    const rs = this.boot.mftRecordSize;
    const cs = this.boot.clusterSize;
    const start = this.boot.mftLcn * cs;
    if (start + rs > this.device.size) throw new NtfsError("truncated", `$MFT at byte ${start} lies past the end of the device`, { offset: 48 });
    const record0 = parseMftRecord(this.device.read(start, rs), 0, start);
    let extents: Attribute[] = record0.attributes.filter((attribute) => attribute.type === AttributeType.data && attribute.name === "");
    const list = record0.attributes.find((attribute) => attribute.type === AttributeType.attributeList);
    if (list) {
      // Extension records of $MFT lie in the part of $MFT described by record 0's own runs.
      const known: DataRun[] = [];
      for (const extent of extents) if (!extent.resident) known.push(...decodeRunlist(extent.mappingPairs, extent.lowestVcn, extent.mappingPairsOffset));
      const readVia = (recordNumber: number): MftRecord => {
        const byte = recordNumber * rs;
        const vcn = Math.floor(byte / cs);
        const run = known.find((dataRun) => vcn >= dataRun.vcn && vcn < dataRun.vcn + dataRun.length);
        if (!run || run.lcn === null) throw new NtfsError("bad-mft", `$MFT extension record ${recordNumber} is not mapped by record 0's runs`, { offset: start });
        const at = run.lcn * cs + (byte - run.vcn * cs);
        return parseMftRecord(this.device.read(at, rs), recordNumber, at);
      };
      const listBytes = list.resident ? list.value : this.readAttributeList(list as NonResidentAttribute, "$MFT attribute list");
      const refs = new Set(parseAttributeList(listBytes, list.offset).filter((attributeListEntry) => attributeListEntry.type === AttributeType.data && attributeListEntry.name === "" && attributeListEntry.reference.record !== 0).map((attributeListEntry) => attributeListEntry.reference.record));
      if (refs.size > MAX_EXTENSION_RECORDS) throw new NtfsError("bad-mft", `$MFT attribute list names ${refs.size} extension records`, { offset: list.offset });
      for (const ref of refs) {
        const ext = readVia(ref);
        if (ext.baseReference.record !== 0) throw new NtfsError("bad-mft", `record ${ref} listed for $MFT belongs to record ${ext.baseReference.record}`, { offset: ext.offset });
        extents = extents.concat(ext.attributes.filter((attribute) => attribute.type === AttributeType.data && attribute.name === ""));
      }
    }
    const mft = this.streamOf(extents, "$MFT");
    if (mft.resident || mft.size < rs * 16) throw new NtfsError("bad-mft", `$MFT data is too small (${mft.size} bytes)`, { offset: start });
    return mft;
  }

  /** A non-resident $ATTRIBUTE_LIST; real ones stay far below the cap. */
  private readAttributeList(list: NonResidentAttribute, what: string): Uint8Array {
    const stream = this.streamOf([list], what);
    if (stream.size > MAX_ATTRIBUTE_LIST_BYTES) throw new NtfsError("bad-attribute-list", `${what} claims ${stream.size} bytes`, { offset: list.offset });
    return stream.read(0, stream.size);
  }

  private streamOf(extents: Attribute[], what: string): DataStream {
    return new DataStream(this.device, this.geometry, extents, what);
  }

  /** MFT record number `n`, parsed (cached). */
  record(recordNumber: number): MftRecord {
    const cached = this.records.get(recordNumber);
    if (cached) return cached;
    if (!Number.isSafeInteger(recordNumber) || recordNumber < 0 || recordNumber >= this.recordCount) {
      throw new NtfsError("bad-reference", `MFT record ${recordNumber} does not exist ($MFT holds ${this.recordCount} records)`);
    }
    const rs = this.boot.mftRecordSize;
    // Fixed up in place: DataStream.read returns a buffer of its own making, not a view of the device's.
    const record = parseMftRecord(this.mft.read(recordNumber * rs, rs), recordNumber, recordNumber * rs, true);
    if (record.storedRecordNumber !== undefined && record.storedRecordNumber !== recordNumber) {
      // A record that calls itself something else means the $MFT runlist maps the wrong place.
      throw new NtfsError("record-number-mismatch", `MFT record ${recordNumber} says it is record ${record.storedRecordNumber}`, { offset: record.offset + 44 });
    }
    if (this.records.size >= RECORD_CACHE_LIMIT) this.records.clear();
    this.records.set(recordNumber, record);
    return record;
  }

  /** Where MFT record `n` lies on the device (more than one piece when a record spans runs). */
  recordPlacement(recordNumber: number): Array<{ deviceOffset: number; length: number }> {
    if (!Number.isSafeInteger(recordNumber) || recordNumber < 0 || recordNumber >= this.recordCount) {
      throw new NtfsError("bad-reference", `MFT record ${recordNumber} does not exist ($MFT holds ${this.recordCount} records)`);
    }
    const rs = this.boot.mftRecordSize;
    return this.mft.mapRange(recordNumber * rs, rs).map((piece) => {
      if (piece.deviceOffset === null) throw new NtfsError("bad-mft", `MFT record ${recordNumber} lies in a sparse part of $MFT`);
      return { deviceOffset: piece.deviceOffset, length: piece.length };
    });
  }

  /** Drops parsed records after a writer changed them on the device (those given, or all). */
  forgetCachedRecords(numbers?: Iterable<number>): void {
    if (numbers === undefined) {
      this.records.clear();
      this.systemStreams.clear();
    }
    else for (const number of numbers) this.records.delete(number);
  }

  /** All attributes of a file: its base record's and those its attribute list places elsewhere. */
  attributes(recordNumber: number): Attribute[] {
    const base = this.record(recordNumber);
    if (!base.inUse) throw new NtfsError("record-not-in-use", `MFT record ${recordNumber} is not in use`, { offset: base.offset });
    const list = base.attributes.find((attribute) => attribute.type === AttributeType.attributeList);
    if (!list) return base.attributes;
    const listBytes = list.resident ? list.value : this.readAttributeList(list as NonResidentAttribute, `record ${recordNumber} attribute list`);
    const entries = parseAttributeList(listBytes, list.offset);
    const others = [...new Set(entries.map((entry) => entry.reference.record).filter((other) => other !== recordNumber))];
    if (others.length > MAX_EXTENSION_RECORDS) throw new NtfsError("bad-attribute-list", `record ${recordNumber}: attribute list names ${others.length} records`, { offset: list.offset });
    const all = base.attributes.filter((attribute) => attribute.type !== AttributeType.attributeList);
    for (const other of others) {
      const ext = this.record(other);
      if (ext.baseReference.record !== recordNumber) {
        throw new NtfsError("bad-attribute-list", `record ${recordNumber}: listed extension record ${other} belongs to record ${ext.baseReference.record}`, { offset: ext.offset });
      }
      all.push(...ext.attributes);
    }
    return all;
  }

  /**
   * The stream of attribute `type` named `name` (case-insensitive) of file `n`. A system
   * file's (records 0-15: $MFT's $BITMAP, $MFTMirr, $Bitmap, looked up by a writer for every
   * new file) is kept while its parsed record stays cached, so it goes stale exactly when the
   * record does (forgetCachedRecords, the cache limit); one whose attributes lie in other
   * records too (attribute list) is never kept.
   */
  stream(recordNumber: number, type: number, name: string): DataStream {
    if (recordNumber < 0 || recordNumber >= MftRecordNumber.firstUser) return this.freshStream(recordNumber, type, name);
    const key = `${recordNumber}:${type}:${name}`;
    const record = this.record(recordNumber);
    const kept = this.systemStreams.get(key);
    if (kept?.record === record) return kept.stream;
    const stream = this.freshStream(recordNumber, type, name);
    if (record.attributes.some((attribute) => attribute.type === AttributeType.attributeList)) this.systemStreams.delete(key);
    else this.systemStreams.set(key, { record, stream });
    return stream;
  }

  private freshStream(recordNumber: number, type: number, name: string): DataStream {
    const extents = this.attributes(recordNumber).filter((attribute) => attribute.type === type && this.sameName(attribute.name, name));
    if (extents.length === 0) throw new NotFoundError("no-stream", `MFT record ${recordNumber} has no ${name ? `stream "${name}"` : "unnamed data stream"} (attribute 0x${type.toString(16)})`);
    return this.streamOf(extents, `record ${recordNumber} attribute 0x${type.toString(16)}${name ? `:${name}` : ""}`);
  }

  /** Stream names compare case-insensitively once $UpCase is loaded (exactly before that). */
  private sameName(left: string, right: string): boolean {
    const upcase = this.upcase as UpCaseTable | undefined;
    return left === right || (upcase !== undefined && upcase.compare(left, right) === 0);
  }

  /** The $I30 index of directory `n`. */
  directoryIndex(recordNumber: number): DirectoryIndex {
    const attrs = this.attributes(recordNumber).filter((attribute) => attribute.name === "$I30");
    const root = attrs.find((attr) => attr.type === AttributeType.indexRoot);
    if (!root?.resident) throw new FsError("not-a-directory", `MFT record ${recordNumber} has no $I30 index root`);
    const allocation = attrs.filter((attr) => attr.type === AttributeType.indexAllocation);
    const bitmap = attrs.filter((attr) => attr.type === AttributeType.bitmap);
    const what = `directory record ${recordNumber}`;
    const allocationStream = allocation.length ? this.streamOf(allocation, `${what} $INDEX_ALLOCATION`) : undefined;
    let bitmapBytes: Uint8Array | undefined;
    if (bitmap.length) {
      const dataStream = this.streamOf(bitmap, `${what} $BITMAP`);
      // One bit per index record: never read more than the allocation can use.
      const needed = allocationStream ? Math.ceil(allocationStream.size / this.boot.indexRecordSize / 8) + 8 : 8;
      bitmapBytes = dataStream.read(0, Math.min(dataStream.size, needed));
    }
    return new DirectoryIndex(root.value, root.offset, allocationStream, bitmapBytes, this.upcase, this.boot.clusterSize, what);
  }

  /** Resolves a path to its record; undefined when a component does not exist. */
  resolve(path: string): NtfsPath | undefined {
    const parts = pathComponents(path);
    let stream = "";
    if (parts.length > 0) {
      const last = parts[parts.length - 1];
      const colon = last.indexOf(":");
      if (colon >= 0) {
        parts[parts.length - 1] = last.slice(0, colon);
        stream = last.slice(colon + 1).replace(/:\$DATA$/i, "");
      }
    }
    let record: number = MftRecordNumber.root;
    const names: string[] = [];
    for (const part of parts) {
      if (!this.record(record).isDirectory) return undefined;
      const entry = this.directoryIndex(record).lookup(part);
      if (!entry) return undefined;
      this.checkReference(entry, record);
      record = entry.reference.record;
      names.push(entry.fileName.name);
    }
    return { record, names, stream };
  }

  /** An index entry must lead to a base record in use whose sequence number it names. */
  private checkReference(entry: IndexEntry, directory: number): void {
    const target = this.record(entry.reference.record);
    const stale = !target.inUse || (entry.reference.sequence !== 0 && entry.reference.sequence !== target.sequence) || target.baseReference.record !== 0;
    if (stale) {
      throw new NtfsError(
        "stale-reference",
        `directory record ${directory}: entry "${entry.fileName.name}" points to record ${entry.reference.record} (sequence ${entry.reference.sequence}), which is ${target.inUse ? `sequence ${target.sequence}${target.baseReference.record ? ", an extension record" : ""}` : "not in use"}`,
        { offset: target.offset },
      );
    }
  }

  /** The reparse tag of file `n`, if it has a $REPARSE_POINT. */
  reparseTag(recordNumber: number): number | undefined {
    const attr = this.attributes(recordNumber).find((attribute) => attribute.type === AttributeType.reparsePoint);
    if (!attr) return undefined;
    const value = attr.resident ? attr.value : this.streamOf([attr], `record ${recordNumber} $REPARSE_POINT`).read(0, Math.min((attr as NonResidentAttribute).dataSize, 16 * 1024));
    return parseReparsePoint(value, attr.offset).tag;
  }

  private mustResolve(path: string): NtfsPath {
    const resolved = this.resolve(path);
    if (!resolved) throw new NotFoundError("not-found", `no such file or directory: ${path}`, { path });
    return resolved;
  }

  /** FileInfo for file record `n` reached under the name `name` at `path`. */
  info(recordNumber: number, name: string, path: string): FileInfo {
    const record = this.record(recordNumber);
    const attrs = this.attributes(recordNumber);
    const si = attrs.find((attr) => attr.type === AttributeType.standardInformation);
    const standard = si?.resident ? parseStandardInformation(si.value, si.offset) : undefined;
    const info: FileInfo = { name, path, isDirectory: record.isDirectory, size: 0, id: recordNumber };
    if (standard) {
      info.created = standard.created;
      info.modified = standard.modified;
    }
    const unnamed = attrs.filter((attr) => attr.type === AttributeType.data && attr.name === "");
    const head = unnamed.find((attribute) => attribute.resident || attribute.lowestVcn === 0);
    const flags = standard?.fileAttributes ?? 0;
    info.compressed = (head?.compressed ?? false) || (flags & FileAttributeFlag.compressed) !== 0;
    info.sparse = (head?.sparse ?? false) || (flags & FileAttributeFlag.sparse) !== 0;
    info.encrypted = (head?.encrypted ?? false) || (flags & FileAttributeFlag.encrypted) !== 0;
    if (head && !record.isDirectory) {
      info.size = head.resident ? head.value.length : head.dataSize;
      info.allocatedSize = head.resident ? 0 : head.allocatedSize;
    }
    const streams = [...new Set(attrs.filter((attr) => attr.type === AttributeType.data && attr.name !== "").map((attr) => attr.name))];
    if (streams.length) info.streams = streams;
    return info;
  }

  /** The names of record `n` ($FILE_NAME attributes: one per hard link and namespace). */
  fileNames(recordNumber: number): FileName[] {
    return this.attributes(recordNumber)
      .filter((attribute) => attribute.type === AttributeType.fileName && attribute.resident)
      .map((attribute) => parseFileName((attribute as Attribute & { value: Uint8Array }).value, attribute.offset));
  }

  stat(path: string): FileInfo | undefined {
    const resolved = this.resolve(path);
    if (!resolved) return undefined;
    const name = resolved.names.length ? resolved.names[resolved.names.length - 1] : "";
    const info = this.info(resolved.record, name, "/" + resolved.names.join("/"));
    if (resolved.stream) {
      if (!info.streams?.some((stream) => this.upcase.compare(stream, resolved.stream) === 0)) return undefined;
      const dataStream = this.stream(resolved.record, AttributeType.data, resolved.stream);
      return { ...info, name: `${name}:${resolved.stream}`, path: `${info.path}:${resolved.stream}`, isDirectory: false, size: dataStream.size, allocatedSize: dataStream.allocatedSize };
    }
    return info;
  }

  /** Index entries of a directory as stored (every namespace), for tools and tests. */
  indexEntries(path: string): IndexEntry[] {
    const resolved = this.mustResolve(path);
    if (!this.record(resolved.record).isDirectory) throw new FsError("not-a-directory", `${path} is not a directory`, { path });
    return this.directoryIndex(resolved.record).entries();
  }

  list(path: string, options: NtfsListOptions = {}): FileInfo[] {
    const resolved = this.mustResolve(path);
    const dirPath = resolved.names.length ? "/" + resolved.names.join("/") : "";
    return this.indexEntries(path)
      .filter((indexEntry) => indexEntry.fileName.namespace !== FileNameNamespace.dos)
      .filter((indexEntry) => options.includeSystem || !(indexEntry.reference.record < MftRecordNumber.firstUser && resolved.record === MftRecordNumber.root))
      .map((indexEntry) => this.info(indexEntry.reference.record, indexEntry.fileName.name, `${dirPath}/${indexEntry.fileName.name}`));
  }

  private fileStream(path: string): DataStream {
    const resolved = this.mustResolve(path);
    if (this.record(resolved.record).isDirectory && resolved.stream === "") throw new FsError("is-directory", `${path} is a directory`, { path });
    if (resolved.stream === "" && this.reparseTag(resolved.record) === ReparseTag.wof) {
      // The unnamed $DATA of a WOF file is not its content: refuse rather than return wrong bytes.
      throw new NtfsError("wof-compressed", `${path} is WOF-compressed (CompactOS); its content is not readable here`, { path });
    }
    const stream = this.stream(resolved.record, AttributeType.data, resolved.stream);
    if (stream.encrypted) throw new NtfsError("encrypted", `${path} is EFS-encrypted; its content cannot be read offline`, { path });
    return stream;
  }

  readFile(path: string): Uint8Array {
    const stream = this.fileStream(path);
    if (stream.size > MAX_READ_BYTES) throw new NtfsError("too-large", `${path} holds ${stream.size} bytes; read it in ranges`, { path });
    return stream.read(0, stream.size);
  }

  openFile(path: string): OpenFile {
    const stream = this.fileStream(path);
    return {
      size: stream.size,
      read: (offset, length) => stream.read(offset, length),
      readInto: (offset, target, targetOffset, length) => stream.readInto(offset, target, targetOffset, length),
      close: () => {},
    };
  }

  readFileRange(path: string, offset: number, length: number): Uint8Array {
    const stream = this.fileStream(path);
    if (length > MAX_READ_BYTES) throw new NtfsError("too-large", `a read of ${length} bytes is too large`, { path });
    const end = Math.min(offset + length, stream.size);
    if (offset < 0 || !Number.isSafeInteger(offset) || offset > stream.size) throw new NtfsError("out-of-range", `offset ${offset} is past the end of ${path} (${stream.size} bytes)`, { path });
    return stream.read(offset, Math.max(0, end - offset));
  }
}
