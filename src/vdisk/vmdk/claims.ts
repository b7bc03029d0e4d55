/**
 * Before a write into a VMDK sparse extent: the host bytes it touches must be claimed once.
 * The grain written must not share bytes with the header, the embedded descriptor, the grain
 * directory (either copy), any grain table, nor another grain (a grain referenced twice); the
 * grain table whose entry changes must not share bytes with those either. The header,
 * descriptor and both directories must be disjoint, and no grain table entry may point past
 * the end of the file (`qemu-img check` reports that one as corruption, "points after EOF";
 * it does not look for overlaps at all, and qemu writes into them, corrupting the image).
 *
 * Memory stays bounded: one u32 per grain table and per allocated grain, and collection stops
 * (refusing) as soon as there are more of either than disjoint ones could fit in the file.
 * Sources: VMware VMDK 5.0 technote (sparse extent layout); qemu block/vmdk.c
 * (vmdk_co_check, vmdk_open_vmdk4 limits).
 */
import { RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { SparseFlag, type SparseHeader } from "./sparse-header.js";

const SECTOR = 512;
/** qemu refuses to open extents with bigger grain tables ("L2 table size too big"). */
export const QEMU_MAX_GTES_PER_GT = 512;
/** qemu refuses to open extents with more grain directory entries ("L1 size too big"). */
export const QEMU_MAX_GD_ENTRIES = 32 * 1024 * 1024;
/** Grain directory entries read per host read while indexing. */
const GD_CHUNK = 16384;

interface Region {
  name: string;
  start: number;
  end: number;
}

/** Where the extent keeps its metadata, as the opener resolved it. */
export interface SparseLayout {
  header: SparseHeader;
  gdOffset: number;
  rgdOffset: number | undefined;
  gdEntries: number;
}

export class VmdkClaims {
  private readonly tableBytes: number;
  private readonly grainBytes: number;
  private built = false;
  /** Sorted host sectors of every grain table (primary and redundant). */
  private tables?: Uint32Array;
  /** Sorted host sectors of every allocated grain the primary tables map. */
  private grains?: Uint32Array;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly layout: SparseLayout,
  ) {
    this.tableBytes = layout.header.numGTEsPerGT * 4;
    this.grainBytes = layout.header.grainSize * SECTOR;
  }

  /** Refuses unless the grain table at host byte `at` (of directory entry `gdIndex`) is claimed by that entry alone. */
  checkGrainTable(at: number, gdIndex: number, redundant: boolean): void {
    this.build();
    const self = `${redundant ? "redundant " : ""}grain table of grain directory entry ${gdIndex}`;
    const end = at + this.tableBytes;
    // The table itself is one of the tables found: more than one means another overlaps.
    if (countOverlapping(this.tables!, at, end, this.tableBytes) > 1) this.refuse(self, at, end, this.findTable(at, end, gdIndex, redundant));
    if (countOverlapping(this.grains!, at, end, this.grainBytes) > 0) this.refuse(self, at, end, this.findGrain(at, end, -1));
  }

  /**
   * Refuses unless [start, end), space past the end of the file about to be allocated (a grain,
   * grain tables), is claimed by nothing yet: a grain cut short by the end of the file would
   * otherwise end inside it. Also runs the whole-extent checks before a directory entry is written.
   */
  checkNewSpace(start: number, end: number, what: string): void {
    this.build();
    if (countOverlapping(this.tables!, start, end, this.tableBytes) > 0) this.refuse(what, start, end, this.findTable(start, end, -1, false));
    if (countOverlapping(this.grains!, start, end, this.grainBytes) > 0) this.refuse(what, start, end, this.findGrain(start, end, -1));
  }

  /** Refuses unless the allocated grain at host byte `at`, mapped by the entry of grain `grain`, is claimed by that entry alone. */
  checkGrain(at: number, grain: number): void {
    this.build();
    const self = `grain ${grain}`;
    const end = at + this.grainBytes;
    if (countOverlapping(this.tables!, at, end, this.tableBytes) > 0) this.refuse(self, at, end, this.findTable(at, end, -1, false));
    if (countOverlapping(this.grains!, at, end, this.grainBytes) > 1) this.refuse(self, at, end, this.findGrain(at, end, grain));
  }

  private refuse(self: string, start: number, end: number, other: Region): never {
    throw new RefusedError(
      "vmdk-overlap",
      `${this.path}: the VMDK ${self} (host bytes ${start}..${end}) overlaps the ${other.name} (${other.start}..${other.end}); writing one would corrupt the other: convert the disk (qemu-img convert) or repair it first`,
      { path: this.path, offset: start },
    );
  }

  /** Reads every grain table once: the fixed regions, the table positions, the grain positions. */
  private build(): void {
    if (this.built) return;
    const { header, gdOffset, rgdOffset, gdEntries } = this.layout;
    const fixed: Region[] = [{ name: "sparse header", start: 0, end: SECTOR }];
    if (header.descriptorOffset !== 0 && header.descriptorSize !== 0) {
      fixed.push({ name: "embedded descriptor", start: header.descriptorOffset * SECTOR, end: (header.descriptorOffset + header.descriptorSize) * SECTOR });
    }
    fixed.push({ name: "grain directory", start: gdOffset, end: gdOffset + gdEntries * 4 });
    if (rgdOffset !== undefined) fixed.push({ name: "redundant grain directory", start: rgdOffset, end: rgdOffset + gdEntries * 4 });
    for (let i = 0; i < fixed.length; i++) {
      for (let j = i + 1; j < fixed.length; j++) {
        if (fixed[i].start < fixed[j].end && fixed[j].start < fixed[i].end) this.refuse(fixed[i].name, fixed[i].start, fixed[i].end, fixed[j]);
      }
    }
    const size = this.file.size;
    // Disjoint tables (grains) inside the file: at most this many. More means two overlap.
    const tableLimit = Math.ceil(size / this.tableBytes);
    const grainLimit = Math.ceil(size / this.grainBytes);
    const tables = new GrowingU32();
    const grains = new GrowingU32();
    const zeroFlag = (header.flags & SparseFlag.zeroedGrainGte) !== 0;
    const tooMany = (what: string, limit: number) =>
      new RefusedError("vmdk-overlap", `${this.path}: the VMDK grain tables map more ${what} than ${limit}, all the file can hold without overlapping: convert the disk (qemu-img convert) or repair it first`, {
        path: this.path,
      });
    for (const directory of rgdOffset === undefined ? [gdOffset] : [gdOffset, rgdOffset]) {
      this.eachTable(directory, (table) => {
        if (tables.length >= tableLimit) throw tooMany("grain tables", tableLimit);
        tables.push(table);
      });
    }
    this.tables = tables.sorted();
    // Grains: through the tables reads map with (the primary ones), each table read once even
    // when two entries share it (that overlap is refused where a write touches it).
    const sharedRead = new Set<number>();
    this.eachTable(gdOffset, (table, gdIndex) => {
      if (table * SECTOR + this.tableBytes > size) return;
      if (countOverlapping(this.tables!, table * SECTOR, table * SECTOR + 1, 1) > 1) {
        if (sharedRead.has(table)) return;
        sharedRead.add(table);
      }
      const gt = this.file.read(table * SECTOR, this.tableBytes);
      const gtView = new DataView(gt.buffer, gt.byteOffset, gt.byteLength);
      for (let e = 0; e < header.numGTEsPerGT; e++) {
        const grain = gtView.getUint32(e * 4, true);
        if (grain === 0 || (grain === 1 && zeroFlag)) continue;
        if (grain * SECTOR >= size) {
          throw new RefusedError(
            "vmdk-grain-past-eof",
            `${this.path}: VMDK grain ${gdIndex * header.numGTEsPerGT + e} points to host byte ${grain * SECTOR}, past the end of the file (${size} bytes); qemu-img check reports this as corruption: repair or convert the disk first`,
            { path: this.path, offset: table * SECTOR + e * 4 },
          );
        }
        if (grains.length >= grainLimit) throw tooMany("grains", grainLimit);
        grains.push(grain);
      }
    });
    this.grains = grains.sorted();
    // The header, descriptor (rewritten with a new CID by every write) and directories: nothing may share their bytes.
    for (const region of fixed) {
      if (countOverlapping(this.tables, region.start, region.end, this.tableBytes) > 0) this.refuse(region.name, region.start, region.end, this.findTable(region.start, region.end, -1, false));
      if (countOverlapping(this.grains, region.start, region.end, this.grainBytes) > 0) this.refuse(region.name, region.start, region.end, this.findGrain(region.start, region.end, -1));
    }
    this.built = true;
  }

  /** Calls `visit` with each non-zero entry of the directory at `directory`, read in chunks. */
  private eachTable(directory: number, visit: (table: number, gdIndex: number) => void): void {
    const { gdEntries } = this.layout;
    for (let first = 0; first < gdEntries; first += GD_CHUNK) {
      const count = Math.min(GD_CHUNK, gdEntries - first);
      const gd = this.file.read(directory + first * 4, count * 4);
      const view = new DataView(gd.buffer, gd.byteOffset, gd.byteLength);
      for (let k = 0; k < count; k++) {
        const table = view.getUint32(k * 4, true);
        if (table !== 0) visit(table, first + k);
      }
    }
  }

  /** Names the grain table (other than `gdIndex`'s own copy) overlapping [start, end). Only on the refusal path. */
  private findTable(start: number, end: number, gdIndex: number, redundant: boolean): Region {
    const { gdOffset, rgdOffset, gdEntries } = this.layout;
    for (const [directory, copy] of [[gdOffset, false], ...(rgdOffset === undefined ? [] : [[rgdOffset, true]])] as [number, boolean][]) {
      for (let i = 0; i < gdEntries; i++) {
        if (i === gdIndex && copy === redundant) continue;
        const at = this.u32(directory + i * 4) * SECTOR;
        if (at !== 0 && at < end && start < at + this.tableBytes) {
          return { name: `${copy ? "redundant " : ""}grain table of grain directory entry ${i}`, start: at, end: at + this.tableBytes };
        }
      }
    }
    return { name: "another grain table", start, end };
  }

  /** Names the grain (other than `self`) overlapping [start, end). Only on the refusal path. */
  private findGrain(start: number, end: number, self: number): Region {
    const { gdOffset, gdEntries, header } = this.layout;
    const zeroFlag = (header.flags & SparseFlag.zeroedGrainGte) !== 0;
    for (let i = 0; i < gdEntries; i++) {
      const table = this.u32(gdOffset + i * 4) * SECTOR;
      if (table === 0 || table + this.tableBytes > this.file.size) continue;
      const gt = this.file.read(table, this.tableBytes);
      const gtView = new DataView(gt.buffer, gt.byteOffset, gt.byteLength);
      for (let e = 0; e < header.numGTEsPerGT; e++) {
        const grain = gtView.getUint32(e * 4, true);
        const index = i * header.numGTEsPerGT + e;
        if (index === self || grain === 0 || (grain === 1 && zeroFlag)) continue;
        const at = grain * SECTOR;
        if (at < end && start < at + this.grainBytes) return { name: `grain ${index}`, start: at, end: at + this.grainBytes };
      }
    }
    return { name: "another grain", start, end };
  }

  private u32(at: number): number {
    const bytes = this.file.read(at, 4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }
}

/** How many of the sorted sector starts, each `length` bytes long, overlap [start, end). */
function countOverlapping(sectors: Uint32Array, start: number, end: number, length: number): number {
  // First entry whose end passes `start`.
  let lo = 0;
  let hi = sectors.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sectors[mid] * SECTOR + length <= start) lo = mid + 1;
    else hi = mid;
  }
  let count = 0;
  for (let i = lo; i < sectors.length && sectors[i] * SECTOR < end; i++) count++;
  return count;
}

/** An append-only u32 list that doubles its buffer (no per-entry objects). */
class GrowingU32 {
  private buffer = new Uint32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Uint32Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = value;
  }

  sorted(): Uint32Array {
    return this.buffer.slice(0, this.length).sort();
  }
}
