/**
 * qcow2 v2/v3 read: two-level L1/L2 lookup, zero clusters, deflate-compressed clusters.
 * Refused: backing files, encryption, external data files, extended L2 (subclusters), zstd,
 * unknown incompatible features. Refcounts are not needed to read.
 * Source: qemu docs/interop/qcow2.txt.
 */
import { constants, inflateRawSync } from "node:zlib";
import { ImageError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import type { OpenedContainer } from "../container.js";
import { MappedDevice } from "../mapped-device.js";
import { TableCache } from "../table-cache.js";
import type { AddressMap, Mapping } from "../types.js";
import { checkHostRun, imageReader, readStructure } from "../util.js";
import { IncompatibleFeature, parseQcow2Header, type Qcow2Header } from "./header.js";

/** Bits 9-55 of L1/L2 entries: host offset. */
const OFFSET_MASK = 0x00fffffffffffe00n;
const COMPRESSED = 1n << 62n;
const ZERO_FLAG = 1n;
const KNOWN_INCOMPATIBLE = Object.values(IncompatibleFeature).reduce((a, b) => a | b, 0n);

export function openQcow2(file: BlockDevice, path: string, onClose: () => void): OpenedContainer {
  const warnings: string[] = [];
  const fail = (code: string, message: string, offset?: number) =>
    new ImageError(code, `${path}: ${message}`, offset === undefined ? { path } : { path, offset });
  const head = readStructure(file, 0, Math.min(file.size, 4096), "qcow2 header", path);
  const r = imageReader(head, path);
  r.check(0, 72, "qcow2 header");
  const h = parseQcow2Header(r);
  if (h.version !== 2 && h.version !== 3) throw fail("unsupported-version", `qcow version ${h.version} is not supported (only 2 and 3)`, 4);
  if (h.version === 3 && (h.headerLength < 104 || h.headerLength % 8 !== 0)) throw fail("bad-header", `qcow2 header length ${h.headerLength} is invalid`, 100);
  if (h.backingFileOffset !== 0) {
    const name = h.backingFileOffset + h.backingFileSize <= file.size && h.backingFileSize <= 1023 ? readStructure(file, h.backingFileOffset, h.backingFileSize, "backing file name", path) : new Uint8Array();
    throw fail("unsupported-backing-file", `qcow2 with a backing file ("${Buffer.from(name).toString("utf8")}") is not supported: it is an overlay, convert or commit it first`);
  }
  if (h.cryptMethod !== 0) throw fail("unsupported-encryption", `encrypted qcow2 (crypt method ${h.cryptMethod}) is not supported`, 32);
  const incompatible = h.incompatibleFeatures;
  if (incompatible & IncompatibleFeature.externalDataFile) throw fail("unsupported-external-data", "qcow2 with an external data file is not supported", 72);
  if (incompatible & IncompatibleFeature.extendedL2) throw fail("unsupported-extended-l2", "qcow2 with extended L2 entries (subclusters) is not supported", 72);
  if (incompatible & IncompatibleFeature.compressionType && h.compressionType !== 0) {
    throw fail("unsupported-compression", `qcow2 compression type ${h.compressionType} (zstd) is not supported`, 104);
  }
  if (incompatible & ~KNOWN_INCOMPATIBLE) throw fail("unsupported-feature", `qcow2 has unknown incompatible features 0x${incompatible.toString(16)}`, 72);
  if (incompatible & IncompatibleFeature.dirty) warnings.push("qcow2 dirty bit is set (refcounts may be stale; data is read as is)");
  if (incompatible & IncompatibleFeature.corrupt) warnings.push("qcow2 corrupt bit is set: qemu found an inconsistency in this image");
  if (h.clusterBits < 9 || h.clusterBits > 21) throw fail("bad-cluster-size", `qcow2 cluster bits ${h.clusterBits} are outside 9..21`, 20);
  const clusterSize = 2 ** h.clusterBits;
  const l2Entries = clusterSize / 8;
  const l1Needed = Math.ceil(h.size / (clusterSize * l2Entries));
  if (h.l1Size < l1Needed) throw fail("bad-l1", `qcow2 L1 table has ${h.l1Size} entries, ${l1Needed} needed for ${h.size} bytes`, 36);
  if (h.l1TableOffset % clusterSize !== 0) throw fail("bad-l1", `qcow2 L1 table offset ${h.l1TableOffset} is not cluster aligned`, 40);
  checkHostRun(file, h.l1TableOffset, l1Needed * 8, "qcow2 L1 table", path);
  const map = new Qcow2Map(file, path, h);
  return { format: "qcow2", device: new MappedDevice(map, path, onClose), virtualSize: h.size, logicalSectorSize: 512, warnings, extraFiles: [] };
}

export class Qcow2Map implements AddressMap {
  readonly virtualSize: number;
  private readonly clusterSize: number;
  private readonly l2Entries: number;
  /** L1 and every L2 table share one page cache: pages are keyed by host offset. */
  private readonly tables: TableCache;
  /** Bit position where the compressed descriptor's sector count starts. */
  private readonly compressedShift: bigint;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly h: Qcow2Header,
  ) {
    this.virtualSize = h.size;
    this.clusterSize = 2 ** h.clusterBits;
    this.l2Entries = this.clusterSize / 8;
    this.tables = new TableCache(file, `${path} qcow2 tables`);
    this.compressedShift = BigInt(62 - (h.clusterBits - 8));
  }

  mapOffset(virtualOffset: number): Mapping {
    const cluster = Math.floor(virtualOffset / this.clusterSize);
    const inCluster = virtualOffset - cluster * this.clusterSize;
    const length = Math.min(this.clusterSize - inCluster, this.virtualSize - virtualOffset);
    const l1Index = Math.floor(cluster / this.l2Entries);
    const l1At = this.h.l1TableOffset + l1Index * 8;
    const l2Table = Number(this.tables.u64be(l1At) & OFFSET_MASK);
    if (l2Table === 0) return { kind: "zero", length };
    if (l2Table % this.clusterSize !== 0) {
      throw new ImageError("bad-l1", `${this.path}: qcow2 L1 entry ${l1Index} points to unaligned L2 table ${l2Table}`, { path: this.path, offset: l1At });
    }
    checkHostRun(this.file, l2Table, this.clusterSize, `qcow2 L1 entry ${l1Index}`, this.path);
    const l2At = l2Table + (cluster % this.l2Entries) * 8;
    const entry = this.tables.u64be(l2At);
    if (entry & COMPRESSED) return this.compressed(entry, l2At, inCluster, length);
    if (this.h.version >= 3 && entry & ZERO_FLAG) return { kind: "zero", length };
    const host = Number(entry & OFFSET_MASK);
    if (host === 0) return { kind: "zero", length };
    if (host % this.clusterSize !== 0) {
      throw new ImageError("bad-l2", `${this.path}: qcow2 L2 entry points to unaligned cluster ${host}`, { path: this.path, offset: l2At });
    }
    checkHostRun(this.file, host + inCluster, length, `qcow2 L2 entry at ${l2At}`, this.path);
    return { kind: "data", file: this.file, offset: host + inCluster, length };
  }

  private compressed(entry: bigint, l2At: number, inCluster: number, length: number): Mapping {
    const shift = this.compressedShift;
    const host = Number(entry & ((1n << shift) - 1n));
    const sectors = Number((entry >> shift) & ((1n << (62n - shift)) - 1n)) + 1;
    // The sector count covers from the sector holding `host`; the last one may pass EOF.
    const size = Math.min(sectors * 512 - (host % 512), this.file.size - host);
    if (size <= 0) {
      throw new ImageError("points-outside-file", `${this.path}: qcow2 compressed cluster at ${host} lies outside the file`, { path: this.path, offset: l2At });
    }
    const load = () => {
      const input = this.file.read(host, size);
      let out: Buffer;
      try {
        out = inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: this.clusterSize });
      } catch (err) {
        throw new ImageError("bad-compressed-cluster", `${this.path}: qcow2 compressed cluster at ${host} does not inflate: ${(err as Error).message}`, {
          path: this.path,
          offset: host,
          cause: err,
        });
      }
      if (out.length !== this.clusterSize) {
        throw new ImageError("bad-compressed-cluster", `${this.path}: qcow2 compressed cluster at ${host} inflates to ${out.length} bytes, not ${this.clusterSize}`, {
          path: this.path,
          offset: host,
        });
      }
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    };
    return { kind: "compressed", length, key: `q${host}`, offsetInUnit: inCluster, load };
  }
}
