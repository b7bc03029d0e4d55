/**
 * A directory's $I30 entries as raw bytes, in collation order: what the index writer rebuilds
 * a directory from. The walk reads the $INDEX_ROOT and every INDX node reachable from it
 * (fixups applied, VCN and $BITMAP checked, no node twice, bounded depth), so a damaged index
 * gives an NtfsError before anything is planned. (libfsntfs, "Index"; disk-formats-notes §3.5.)
 */
import { NtfsError } from "../../../errors.js";
import { AttributeType, type Attribute } from "../attribute.js";
import { DataStream } from "../data-stream.js";
import { ntfsReader } from "../ntfs-reader.js";
import { applyFixups } from "../update-sequence.js";
import type { NtfsVolume } from "../volume.js";
import type { ByteReader } from "../../../util/byte-reader.js";

const ENTRY_HAS_SUBNODE = 0x1;
const ENTRY_LAST = 0x2;
const MAX_DEPTH = 32;

/** One index entry: the 8-byte file reference and the $FILE_NAME key, as stored. */
export interface RawIndexEntry {
  reference: bigint;
  key: Uint8Array;
  /** The key's name and namespace, decoded (for lookup and collation). */
  name: string;
  namespace: number;
}

export function keyName(key: Uint8Array): { name: string; namespace: number } {
  const r = ntfsReader(key);
  const length = r.u8(64);
  return { name: r.utf16(66, length * 2), namespace: r.u8(65) };
}

/** The directory's $I30 attributes (base record only: directories with attribute lists are refused). */
export interface I30Attributes {
  root: Attribute & { resident: true };
  allocation?: Attribute;
  bitmap?: Attribute;
}

export function i30Attributes(vol: NtfsVolume, dir: number): I30Attributes {
  const record = vol.record(dir);
  if (record.attributes.some((a) => a.type === AttributeType.attributeList)) {
    throw new NtfsError("unsupported", `directory record ${dir} spreads over several MFT records (attribute list); p2vfix does not change such directories`);
  }
  const attrs = record.attributes.filter((a) => a.name === "$I30");
  const root = attrs.find((a) => a.type === AttributeType.indexRoot);
  if (!root || !root.resident) throw new NtfsError("not-a-directory", `MFT record ${dir} has no $I30 index root`);
  const allocation = attrs.find((a) => a.type === AttributeType.indexAllocation);
  const bitmap = attrs.find((a) => a.type === AttributeType.bitmap);
  if (allocation?.resident) throw new NtfsError("bad-index", `directory record ${dir}: $INDEX_ALLOCATION is resident`);
  return { root: root as Attribute & { resident: true }, allocation, bitmap };
}

function parseEntries(r: ByteReader, headerAt: number, what: string): Array<{ entry?: RawIndexEntry; subnode?: number }> {
  const entriesOffset = r.u32(headerAt);
  const end = headerAt + r.u32(headerAt + 4);
  if (entriesOffset < 16 || end > r.length) throw new NtfsError("bad-index", `${what}: node header does not fit`, { offset: r.base + headerAt });
  const out: Array<{ entry?: RawIndexEntry; subnode?: number }> = [];
  for (let pos = headerAt + entriesOffset; ; ) {
    if (pos + 16 > end) throw new NtfsError("bad-index", `${what}: entries run past the node without a last entry`, { offset: r.base + pos });
    const length = r.u16(pos + 8);
    const keyLength = r.u16(pos + 10);
    const flags = r.u16(pos + 12);
    if (length < 16 || length % 8 !== 0 || pos + length > end) throw new NtfsError("bad-index", `${what}: index entry length ${length} is invalid`, { offset: r.base + pos + 8 });
    const node: { entry?: RawIndexEntry; subnode?: number } = {};
    if (flags & ENTRY_HAS_SUBNODE) {
      if (length < 24) throw new NtfsError("bad-index", `${what}: entry with a sub-node is too short`, { offset: r.base + pos });
      node.subnode = Number(r.u64big(pos + length - 8));
    }
    if (!(flags & ENTRY_LAST)) {
      if (keyLength < 66 || 16 + keyLength > length - (flags & ENTRY_HAS_SUBNODE ? 8 : 0)) throw new NtfsError("bad-index", `${what}: key length ${keyLength} is invalid`, { offset: r.base + pos + 10 });
      const key = r.slice(pos + 16, keyLength).slice();
      if (66 + 2 * key[64] > keyLength) throw new NtfsError("bad-index", `${what}: the name runs past its key`, { offset: r.base + pos + 16 });
      node.entry = { reference: r.u64big(pos), key, ...keyName(key) };
    }
    out.push(node);
    if (flags & ENTRY_LAST) break;
    pos += length;
  }
  return out;
}

export interface DirectoryEntries {
  entries: RawIndexEntry[];
  /** Index record size and VCN unit from the root. */
  indexRecordSize: number;
  vcnUnit: number;
  /** VCNs of the INDX nodes the tree uses now. */
  nodesInUse: number[];
}

/** Every entry of directory `dir`, in the order the tree holds them. */
export function readDirectoryEntries(vol: NtfsVolume, dir: number): DirectoryEntries {
  const what = `directory record ${dir}`;
  const { root, allocation, bitmap } = i30Attributes(vol, dir);
  const rr = ntfsReader(root.value, root.offset);
  if (rr.u32(0) !== AttributeType.fileName || rr.u32(4) !== 1) throw new NtfsError("unsupported", `${what}: $I30 is not a file name index`);
  const size = rr.u32(8);
  if (size < 512 || size > 65536 || (size & (size - 1)) !== 0) throw new NtfsError("bad-index", `${what}: index record size ${size} is invalid`);
  const vcnUnit = size >= vol.geometry.clusterSize ? vol.geometry.clusterSize : 512;
  const stream = allocation ? new DataStream(vol.device, vol.geometry, [allocation], `${what} $INDEX_ALLOCATION`) : undefined;
  const bits = bitmap ? (bitmap.resident ? bitmap.value : new DataStream(vol.device, vol.geometry, [bitmap], `${what} $BITMAP`).read(0, Math.min(65536, (bitmap as { dataSize: number }).dataSize))) : undefined;
  const entries: RawIndexEntry[] = [];
  const nodesInUse: number[] = [];
  const seen = new Set<number>();
  const readNode = (vcn: number) => {
    if (!stream || !bits) throw new NtfsError("bad-index", `${what}: an entry points to index node ${vcn} but there is no $INDEX_ALLOCATION or $BITMAP`);
    const offset = vcn * vcnUnit;
    if (!Number.isSafeInteger(offset) || offset % size !== 0 || offset + size > stream.size) throw new NtfsError("bad-index", `${what}: index node VCN ${vcn} lies outside $INDEX_ALLOCATION`);
    const i = offset / size;
    if (!((bits[i >> 3] ?? 0) & (1 << (i & 7)))) throw new NtfsError("bad-index", `${what}: index node VCN ${vcn} is marked unused in $BITMAP`);
    const raw = stream.read(offset, size);
    if (ntfsReader(raw).ascii(0, 4) !== "INDX") throw new NtfsError("bad-index", `${what}: index node VCN ${vcn} has no INDX signature`);
    const r = ntfsReader(applyFixups(raw, offset, `${what} index node ${vcn}`), offset);
    if (Number(r.u64big(16)) !== vcn) throw new NtfsError("bad-index", `${what}: index node read at VCN ${vcn} names another VCN`);
    return parseEntries(r, 24, `${what} index node ${vcn}`);
  };
  const walk = (nodes: Array<{ entry?: RawIndexEntry; subnode?: number }>, depth: number) => {
    if (depth > MAX_DEPTH) throw new NtfsError("index-too-deep", `${what}: index deeper than ${MAX_DEPTH} levels`);
    for (const node of nodes) {
      if (node.subnode !== undefined) {
        if (seen.has(node.subnode)) throw new NtfsError("index-cycle", `${what}: index node VCN ${node.subnode} is reached twice`);
        seen.add(node.subnode);
        nodesInUse.push(node.subnode);
        walk(readNode(node.subnode), depth + 1);
      }
      if (node.entry) entries.push(node.entry);
    }
  };
  walk(parseEntries(rr, 16, `${what} index root`), 0);
  return { entries, indexRecordSize: size, vcnUnit, nodesInUse };
}
