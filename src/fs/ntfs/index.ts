/**
 * Directory indexes ($I30): a B-tree of $FILE_NAME keys. The root node lives in the resident
 * $INDEX_ROOT; further nodes are "INDX" records (with fixups) in $INDEX_ALLOCATION, and
 * $BITMAP:$I30 marks which of them are in use. Keys sort by the FILENAME collation through the
 * volume's $UpCase table. (libfsntfs, "Index root", "Index entry", "Index node header".)
 */
import { NtfsError } from "../../errors.js";
import type { ByteReader } from "../../util/byte-reader.js";
import type { DataStream } from "./data-stream.js";
import { parseFileName, type FileName } from "./file-name.js";
import { fileReferenceAt, type FileReference } from "./mft-record.js";
import { ntfsReader } from "./ntfs-reader.js";
import type { UpCaseTable } from "./upcase.js";
import { applyFixups } from "./update-sequence.js";

const ENTRY_HAS_SUBNODE = 0x1;
const ENTRY_LAST = 0x2;
const COLLATION_FILENAME = 0x01;
/** Deeper than any real index (a 2^64-entry tree of 2-entry nodes), so it only stops loops. */
const MAX_DEPTH = 64;

export interface IndexEntry {
  reference: FileReference;
  fileName: FileName;
  /** The entry's key ($FILE_NAME value) as stored: what a writer carries over, with the reference. */
  key: Uint8Array;
}

interface NodeEntry {
  entry?: IndexEntry;
  subnodeVcn?: number;
}

export interface IndexRoot {
  indexedType: number;
  collation: number;
  indexRecordSize: number;
  entries: NodeEntry[];
}

/** Parses the entries of a node whose header starts at `headerOffset` in `r`. */
function parseNodeEntries(byteReader: ByteReader, headerOffset: number, what: string): NodeEntry[] {
  const entriesOffset = byteReader.u32(headerOffset);
  const indexLength = byteReader.u32(headerOffset + 4);
  const end = headerOffset + indexLength;
  if (indexLength > byteReader.length - headerOffset || entriesOffset < 16 || entriesOffset >= indexLength) {
    throw new NtfsError("bad-index", `${what}: node header (entries at ${entriesOffset}, length ${indexLength}) does not fit`, { offset: byteReader.base + headerOffset });
  }
  const entries: NodeEntry[] = [];
  let pos = headerOffset + entriesOffset;
  // Every entry is at least 16 bytes and pos only grows, so this ends.
  while (true) {
    if (pos + 16 > end) throw new NtfsError("bad-index", `${what}: index entries run past the node without a last entry`, { offset: byteReader.base + pos });
    const entryLength = byteReader.u16(pos + 8);
    const keyLength = byteReader.u16(pos + 10);
    const flags = byteReader.u16(pos + 12);
    if (entryLength < 16 || entryLength % 8 !== 0 || pos + entryLength > end) {
      throw new NtfsError("bad-index", `${what}: index entry length ${entryLength} is invalid`, { offset: byteReader.base + pos + 8 });
    }
    const node: NodeEntry = {};
    if (flags & ENTRY_HAS_SUBNODE) {
      if (entryLength < 24) throw new NtfsError("bad-index", `${what}: entry with a sub-node is too short`, { offset: byteReader.base + pos });
      node.subnodeVcn = Number(byteReader.u64big(pos + entryLength - 8));
    }
    if (!(flags & ENTRY_LAST)) {
      if (keyLength < 66 || 16 + keyLength > entryLength) throw new NtfsError("bad-index", `${what}: key length ${keyLength} is invalid`, { offset: byteReader.base + pos + 10 });
      const key = byteReader.slice(pos + 16, keyLength);
      node.entry = {
        reference: fileReferenceAt(byteReader, pos),
        fileName: parseFileName(key, byteReader.base + pos + 16),
        key,
      };
    }
    entries.push(node);
    if (flags & ENTRY_LAST) break;
    pos += entryLength;
  }
  return entries;
}

export function parseIndexRoot(value: Uint8Array, base: number, what: string): IndexRoot {
  const byteReader = ntfsReader(value, base);
  const root: IndexRoot = {
    indexedType: byteReader.u32(0),
    collation: byteReader.u32(4),
    indexRecordSize: byteReader.u32(8),
    entries: parseNodeEntries(byteReader, 16, `${what} index root`),
  };
  if (root.indexedType !== 0x30 || root.collation !== COLLATION_FILENAME) {
    throw new NtfsError("unsupported", `${what}: index of attribute 0x${root.indexedType.toString(16)} with collation ${root.collation} is not a file name index`, { offset: base });
  }
  return root;
}

export class DirectoryIndex {
  private readonly root: IndexRoot;
  /** Bytes per VCN unit in $INDEX_ALLOCATION: a cluster, or 512 when records are smaller. */
  private readonly vcnUnit: number;

  constructor(
    rootValue: Uint8Array,
    rootOffset: number,
    private readonly allocation: DataStream | undefined,
    private readonly bitmap: Uint8Array | undefined,
    private readonly upcase: UpCaseTable,
    clusterSize: number,
    private readonly what: string,
  ) {
    this.root = parseIndexRoot(rootValue, rootOffset, what);
    const size = this.root.indexRecordSize;
    if (size < 512 || size > 65536 || (size & (size - 1)) !== 0) {
      throw new NtfsError("bad-index", `${what}: index record size ${size} is invalid`, { offset: rootOffset + 8 });
    }
    this.vcnUnit = size >= clusterSize ? clusterSize : 512;
  }

  private readNode(vcn: number): NodeEntry[] {
    const size = this.root.indexRecordSize;
    if (!this.allocation) throw new NtfsError("bad-index", `${this.what}: entry points to index node ${vcn} but there is no $INDEX_ALLOCATION`);
    const offset = vcn * this.vcnUnit;
    if (!Number.isSafeInteger(offset) || offset + size > this.allocation.size) {
      throw new NtfsError("bad-index", `${this.what}: index node VCN ${vcn} lies outside $INDEX_ALLOCATION (${this.allocation.size} bytes)`);
    }
    const recordIndex = offset / size;
    if (this.bitmap && !((this.bitmap[recordIndex >> 3] ?? 0) & (1 << (recordIndex & 7)))) {
      throw new NtfsError("bad-index", `${this.what}: index node VCN ${vcn} is marked unused in $BITMAP`);
    }
    const raw = this.allocation.read(offset, size);
    const magic = ntfsReader(raw).ascii(0, 4);
    if (magic !== "INDX") throw new NtfsError("bad-index", `${this.what}: index node VCN ${vcn} has signature ${JSON.stringify(magic)}, expected "INDX"`, { expected: "INDX", actual: magic });
    // In place: `raw` is DataStream.read's own buffer, read for this node alone.
    const bytes = applyFixups(raw, offset, `${this.what} index node ${vcn}`, true);
    const byteReader = ntfsReader(bytes, offset);
    const storedVcn = Number(byteReader.u64big(16));
    if (storedVcn !== vcn) throw new NtfsError("bad-index", `${this.what}: index node read at VCN ${vcn} says it is VCN ${storedVcn}`, { offset: offset + 16 });
    return parseNodeEntries(byteReader, 24, `${this.what} index node ${vcn}`);
  }

  /** Finds `name` (case-insensitive, through $UpCase); exact-case matches win over others. */
  lookup(name: string): IndexEntry | undefined {
    let entries = this.root.entries;
    const seen = new Set<number>();
    let fallback: IndexEntry | undefined;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      let descend: number | undefined;
      let stop = false;
      for (const node of entries) {
        if (node.entry) {
          const cmp = this.upcase.compare(name, node.entry.fileName.name);
          if (cmp > 0) continue;
          if (cmp === 0) {
            if (node.entry.fileName.name === name) return node.entry;
            fallback ??= node.entry;
            continue;
          }
        }
        // First key not below the target (or the last entry): the target is in its sub-node.
        descend = node.subnodeVcn;
        stop = true;
        break;
      }
      if (!stop || descend === undefined) return fallback;
      if (seen.has(descend)) throw new NtfsError("index-cycle", `${this.what}: index node VCN ${descend} is reached twice (loop)`);
      seen.add(descend);
      entries = this.readNode(descend);
    }
    throw new NtfsError("index-too-deep", `${this.what}: index deeper than ${MAX_DEPTH} levels`);
  }

  /** Every entry, in collation order (all namespaces, as stored). */
  entries(): IndexEntry[] {
    const out: IndexEntry[] = [];
    const seen = new Set<number>();
    const walk = (entries: NodeEntry[], depth: number): void => {
      if (depth > MAX_DEPTH) throw new NtfsError("index-too-deep", `${this.what}: index deeper than ${MAX_DEPTH} levels`);
      for (const node of entries) {
        if (node.subnodeVcn !== undefined) {
          if (seen.has(node.subnodeVcn)) throw new NtfsError("index-cycle", `${this.what}: index node VCN ${node.subnodeVcn} is reached twice (loop)`);
          seen.add(node.subnodeVcn);
          walk(this.readNode(node.subnodeVcn), depth + 1);
        }
        if (node.entry) out.push(node.entry);
      }
    };
    walk(this.root.entries, 0);
    return out;
  }
}
