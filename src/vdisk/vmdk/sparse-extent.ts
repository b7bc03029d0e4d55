/**
 * One VMDK sparse extent ("KDMV"): grain directory → grain tables → grains, all u32 sector
 * numbers (0 = unallocated, 1 = zero grain when the zeroed-GTE flag is set). Stream-optimized
 * extents hold deflate-compressed grains behind markers (lba u64, size u32, zlib data) and keep
 * the grain directory location in the footer. Source: libvmdk VMDK documentation, VMDK 5.0 technote.
 */
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { TableCache } from "../table-cache.js";
import { zlib } from "../../util/lazy-zlib.js";
import type { Mapping, WritePlan, WriteTarget } from "../types.js";
import { checkHostRun, imageReader, isPowerOfTwo, readStructure } from "../util.js";
import { QEMU_MAX_GD_ENTRIES, QEMU_MAX_GTES_PER_GT, VmdkClaims } from "./claims.js";
import { GD_AT_END, parseSparseHeader, SPARSE_HEADER_SIZE, SPARSE_MAGIC, SparseFlag, type SparseHeader } from "./sparse-header.js";

const SECTOR = 512;
/** Largest grain accepted (bounds the decompression buffer): 2 MiB. */
const MAX_GRAIN_SECTORS = 4096;
const MAX_GTES_PER_GT = 65536;
const MARKER_HEADER = 12;

export class SparseExtent {
  readonly header: SparseHeader;
  readonly compressed: boolean;
  private readonly hasMarkers: boolean;
  /** Extent size in bytes (capacity). */
  readonly size: number;
  private readonly grainBytes: number;
  private readonly gdOffset: number;
  private readonly rgdOffset: number | undefined;
  private readonly gdEntries: number;
  private readonly tables: TableCache;
  private warnedRedundant = false;
  /** The primary grain directory was unusable and the redundant one is read instead. */
  private readonly gdFallback: boolean;
  /** What each host byte is claimed by, read on the first write. */
  private claimIndex?: VmdkClaims;

  constructor(
    readonly file: BlockDevice,
    readonly path: string,
    private readonly warnings: string[],
  ) {
    const fail = (code: string, message: string, offset?: number) =>
      new ImageError(code, `${path}: ${message}`, offset === undefined ? { path } : { path, offset });
    const head = readStructure(file, 0, SPARSE_HEADER_SIZE, "VMDK sparse header", path);
    if (String.fromCharCode(...head.subarray(0, 4)) !== SPARSE_MAGIC) throw fail("bad-signature", 'not a VMDK sparse extent (no "KDMV")', 0);
    let header = parseSparseHeader(imageReader(head, path));
    if (header.version < 1 || header.version > 3) throw fail("unsupported-version", `VMDK sparse extent version ${header.version} is not supported`, 4);
    if (header.gdOffset === GD_AT_END) {
      // Stream-optimized: the footer (a header copy) at EOF-1024 holds the grain directory offset.
      const footerAt = file.size - 2 * SECTOR;
      const foot = readStructure(file, footerAt, SPARSE_HEADER_SIZE, "VMDK stream footer", path);
      if (String.fromCharCode(...foot.subarray(0, 4)) !== SPARSE_MAGIC) throw fail("bad-footer", "VMDK stream-optimized footer is missing (file truncated?)", footerAt);
      header = parseSparseHeader(imageReader(foot, path, footerAt));
      if (header.gdOffset === GD_AT_END) throw fail("bad-footer", "VMDK footer does not locate the grain directory", footerAt + 56);
    }
    this.header = header;
    if (header.uncleanShutdown !== 0) warnings.push(`${path}: VMDK extent was not closed cleanly (uncleanShutdown set)`);
    this.compressed = (header.flags & SparseFlag.compressedGrains) !== 0;
    this.hasMarkers = (header.flags & SparseFlag.markers) !== 0;
    if (this.compressed && header.compressAlgorithm !== 1) {
      throw fail("unsupported-compression", `VMDK compression algorithm ${header.compressAlgorithm} is not supported (only deflate)`, 77);
    }
    if (!isPowerOfTwo(header.grainSize) || header.grainSize > MAX_GRAIN_SECTORS) {
      throw fail("bad-grain-size", `VMDK grain size ${header.grainSize} sectors is not a power of two up to ${MAX_GRAIN_SECTORS}`, 20);
    }
    if (header.numGTEsPerGT < 1 || header.numGTEsPerGT > MAX_GTES_PER_GT) throw fail("bad-header", `VMDK numGTEsPerGT ${header.numGTEsPerGT} is out of range`, 44);
    if (!Number.isSafeInteger(header.capacity * SECTOR)) throw fail("bad-size", `VMDK capacity ${header.capacity} sectors is too large`, 12);
    this.size = header.capacity * SECTOR;
    this.grainBytes = header.grainSize * SECTOR;
    this.gdEntries = Math.ceil(header.capacity / (header.grainSize * header.numGTEsPerGT));
    const gd = Number(header.gdOffset) * SECTOR;
    const rgd = (header.flags & SparseFlag.redundantGrainTable) !== 0 && header.rgdOffset !== 0n ? Number(header.rgdOffset) * SECTOR : undefined;
    const gdInside = (at: number) => Number.isSafeInteger(at) && at > 0 && at + this.gdEntries * 4 <= file.size;
    if (gdInside(gd)) {
      this.gdOffset = gd;
    } else if (rgd !== undefined && gdInside(rgd)) {
      warnings.push(`${path}: VMDK grain directory offset is invalid; using the redundant copy`);
      this.gdOffset = rgd;
    } else {
      throw fail("points-outside-file", `VMDK grain directory at ${gd} (${this.gdEntries} entries) lies outside the file`, 56);
    }
    this.rgdOffset = rgd !== undefined && gdInside(rgd) && rgd !== this.gdOffset ? rgd : undefined;
    this.gdFallback = this.gdOffset !== gd;
    this.tables = new TableCache(file, `${path} VMDK grain tables`);
  }

  /** The embedded descriptor, if the extent carries one (monolithic sparse, stream-optimized). */
  embeddedDescriptor(): Uint8Array | undefined {
    const { descriptorOffset, descriptorSize } = this.header;
    if (descriptorOffset === 0 || descriptorSize === 0) return undefined;
    return readStructure(this.file, descriptorOffset * SECTOR, Math.min(descriptorSize * SECTOR, 1024 * 1024), "VMDK embedded descriptor", this.path);
  }

  /** Grain table offset for a grain directory index: the primary copy, or the redundant one when the primary is damaged. */
  private grainTable(gdIndex: number): number {
    const tableBytes = this.header.numGTEsPerGT * 4;
    const primary = this.tables.u32le(this.gdOffset + gdIndex * 4) * SECTOR;
    if (primary === 0 || primary + tableBytes <= this.file.size) return primary;
    if (this.rgdOffset !== undefined) {
      const backup = this.tables.u32le(this.rgdOffset + gdIndex * 4) * SECTOR;
      if (backup !== 0 && backup + tableBytes <= this.file.size) {
        if (!this.warnedRedundant) this.warnings.push(`${this.path}: VMDK grain directory entry ${gdIndex} is damaged; using the redundant grain table`);
        this.warnedRedundant = true;
        return backup;
      }
    }
    throw new ImageError("points-outside-file", `${this.path}: VMDK grain directory entry ${gdIndex} points to ${primary}, outside the file`, {
      path: this.path,
      offset: this.gdOffset + gdIndex * 4,
    });
  }

  /** Mapping of the run at `offset` bytes into this extent (offset < size). */
  mapOffset(offset: number, limit: number): Mapping {
    const grain = Math.floor(offset / this.grainBytes);
    const inGrain = offset - grain * this.grainBytes;
    const length = Math.min(this.grainBytes - inGrain, limit);
    const gdIndex = Math.floor(grain / this.header.numGTEsPerGT);
    const table = this.grainTable(gdIndex);
    if (table === 0) return { kind: "zero", length };
    const gteAt = table + (grain % this.header.numGTEsPerGT) * 4;
    const gte = this.tables.u32le(gteAt);
    if (gte === 0) return { kind: "zero", length };
    if (gte === 1 && (this.header.flags & SparseFlag.zeroedGrainGte) !== 0) return { kind: "zero", length };
    const grainAt = gte * SECTOR;
    if (this.compressed) return this.compressedGrain(grainAt, inGrain, length);
    checkHostRun(this.file, grainAt + inGrain, length, `VMDK grain table entry at ${gteAt}`, this.path);
    return { kind: "data", file: this.file, offset: grainAt + inGrain, length };
  }

  private compressedGrain(markerAt: number, inGrain: number, length: number): Mapping {
    const load = () => {
      let data: Uint8Array;
      if (this.hasMarkers) {
        const marker = imageReader(readStructure(this.file, markerAt, MARKER_HEADER, "VMDK grain marker", this.path), this.path, markerAt);
        const size = marker.u32(8);
        if (size === 0 || size > 2 * this.grainBytes + 1024) {
          throw new ImageError("bad-grain", `${this.path}: VMDK compressed grain at ${markerAt} has size ${size}`, { path: this.path, offset: markerAt + 8 });
        }
        data = readStructure(this.file, markerAt + MARKER_HEADER, size, "VMDK compressed grain", this.path);
      } else {
        // Without markers the zlib stream starts at the grain and its length is not stored:
        // read a bounded window; inflate stops at the end of the stream.
        checkHostRun(this.file, markerAt, 1, "VMDK compressed grain", this.path);
        data = this.file.read(markerAt, Math.min(2 * this.grainBytes + 1024, this.file.size - markerAt));
      }
      let out: Buffer;
      try {
        out = zlib().inflateSync(data, { maxOutputLength: this.grainBytes });
      } catch (err) {
        throw new ImageError("bad-grain", `${this.path}: VMDK compressed grain at ${markerAt} does not inflate: ${(err as Error).message}`, {
          path: this.path,
          offset: markerAt,
          cause: err,
        });
      }
      // The last grain of a disk may be shorter than a full grain; the rest reads as zeros.
      const grain = new Uint8Array(this.grainBytes);
      grain.set(out);
      return grain;
    };
    return { kind: "compressed", length, key: `${this.path}#${markerAt}`, offsetInUnit: inGrain, load };
  }

  /**
   * Why this extent cannot be written, or undefined when it can: compressed (stream-optimized)
   * extents are read-only, an extent not closed cleanly or with a damaged grain directory is
   * not touched.
   */
  writeRefusal(): string | undefined {
    if (this.compressed) return "stream-optimized (compressed) VMDK extents are read-only; convert the disk to monolithicSparse or flat first";
    if (this.header.uncleanShutdown !== 0) return "the VMDK extent was not closed cleanly (uncleanShutdown is set); let VMware repair it first";
    if (this.gdFallback || this.warnedRedundant) return "the VMDK grain directory is damaged (the redundant copy is in use); repair the disk first";
    // qemu's limits (vmdk_open_vmdk4, vmdk_add_extent): past them qemu does not open the extent,
    // and the claims check would need tables of that size.
    if (this.header.numGTEsPerGT > QEMU_MAX_GTES_PER_GT) return `the VMDK grain tables hold ${this.header.numGTEsPerGT} entries, more than qemu accepts (${QEMU_MAX_GTES_PER_GT})`;
    if (this.gdEntries > QEMU_MAX_GD_ENTRIES) return `the VMDK grain directory has ${this.gdEntries} entries, more than qemu accepts (${QEMU_MAX_GD_ENTRIES})`;
    return undefined;
  }

  private claims(): VmdkClaims {
    this.claimIndex ??= new VmdkClaims(this.file, this.path, { header: this.header, gdOffset: this.gdOffset, rgdOffset: this.rgdOffset, gdEntries: this.gdEntries });
    return this.claimIndex;
  }

  /**
   * Gives grain directory entry `gdIndex` new zeroed grain tables (primary and redundant) at the
   * end of the file. qemu and VMware create every table up front, so this is for extents
   * written by tools that do not.
   */
  private appendGrainTables(gdIndex: number): void {
    const tableBytes = Math.ceil((this.header.numGTEsPerGT * 4) / SECTOR) * SECTOR;
    const copies = this.rgdOffset === undefined ? [this.gdOffset] : [this.gdOffset, this.rgdOffset];
    let at = Math.ceil(this.file.size / SECTOR) * SECTOR;
    if ((at + copies.length * tableBytes) / SECTOR > 0xffffffff) {
      throw new RefusedError("needs-allocation", `${this.path}: the VMDK extent is too large for another grain table`, { path: this.path });
    }
    this.file.resize!(at + copies.length * tableBytes);
    for (const directory of copies) {
      this.tables.write(at, new Uint8Array(tableBytes));
      const entry = new Uint8Array(4);
      new DataView(entry.buffer).setUint32(0, at / SECTOR, true);
      this.tables.write(directory + gdIndex * 4, entry);
      at += tableBytes;
    }
  }

  /**
   * Write target for the run at `offset` bytes into this extent. Allocated grains are written in
   * place; an unallocated (or zeroed) grain gets a new zero-filled grain at the end of the file,
   * and after the data both grain tables (primary and redundant) point to it.
   */
  mapWrite(offset: number, limit: number, plan?: WritePlan): WriteTarget {
    const refusal = this.writeRefusal();
    if (refusal) throw new RefusedError("unsupported-write", `${this.path}: ${refusal}`, { path: this.path });
    const grain = Math.floor(offset / this.grainBytes);
    const inGrain = offset - grain * this.grainBytes;
    const length = Math.min(this.grainBytes - inGrain, limit);
    const gdIndex = Math.floor(grain / this.header.numGTEsPerGT);
    const inTable = (grain % this.header.numGTEsPerGT) * 4;
    const table = this.grainTable(gdIndex);
    if (table === 0) {
      if (this.file.resize === undefined) {
        throw new RefusedError("needs-allocation", `${this.path}: VMDK grain directory entry ${gdIndex} has no grain table and the extent file cannot grow`, { path: this.path });
      }
      const tablesAt = Math.ceil(this.file.size / SECTOR) * SECTOR;
      const copies = this.rgdOffset === undefined ? 1 : 2;
      this.claims().checkNewSpace(tablesAt, tablesAt + copies * Math.ceil((this.header.numGTEsPerGT * 4) / SECTOR) * SECTOR, `new grain tables of grain directory entry ${gdIndex}`);
      if (plan) return { file: this.file, offset: -1, length };
      this.appendGrainTables(gdIndex);
      return this.mapWrite(offset, limit);
    }
    const gte = this.tables.u32le(table + inTable);
    const zeroGrain = gte === 1 && (this.header.flags & SparseFlag.zeroedGrainGte) !== 0;
    if (gte !== 0 && !zeroGrain) {
      checkHostRun(this.file, gte * SECTOR + inGrain, length, `VMDK grain table entry at ${table + inTable}`, this.path);
      this.claims().checkGrain(gte * SECTOR, grain);
      return { file: this.file, offset: gte * SECTOR + inGrain, length };
    }
    if (this.file.resize === undefined) {
      throw new RefusedError("needs-allocation", `${this.path}: VMDK grain ${grain} is unallocated and the extent file cannot grow`, { path: this.path });
    }
    const redundant = this.rgdOffset === undefined ? 0 : this.tables.u32le(this.rgdOffset + gdIndex * 4) * SECTOR;
    if (redundant !== 0) checkHostRun(this.file, redundant, this.header.numGTEsPerGT * 4, `VMDK redundant grain directory entry ${gdIndex}`, this.path);
    // Both tables get the new entry.
    this.claims().checkGrainTable(table, gdIndex, false);
    if (redundant !== 0) this.claims().checkGrainTable(redundant, gdIndex, true);
    const grainAt = Math.ceil(this.file.size / SECTOR) * SECTOR;
    this.claims().checkNewSpace(grainAt, grainAt + this.grainBytes, `new grain ${grain}`);
    if (plan) return { file: this.file, offset: -1, length };
    if (grainAt / SECTOR > 0xffffffff) throw new RefusedError("needs-allocation", `${this.path}: the VMDK extent is too large for another grain`, { path: this.path });
    this.file.resize(grainAt + this.grainBytes);
    const entry = new Uint8Array(4);
    new DataView(entry.buffer).setUint32(0, grainAt / SECTOR, true);
    const commit = () => {
      if (redundant !== 0) this.tables.write(redundant + inTable, entry);
      this.tables.write(table + inTable, entry);
    };
    return { file: this.file, offset: grainAt + inGrain, length, commit };
  }
}
