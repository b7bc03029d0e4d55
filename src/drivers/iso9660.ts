/**
 * ISO 9660 images read directly (no mount): the virtio-win ISO and VMware Tools' windows.iso.
 * Names come from the Joliet supplementary volume descriptor (UCS-2) when there is one, else
 * from Rock Ridge NM entries, else from the plain ISO 9660 names (";1" version stripped).
 *
 * Layout facts (ECMA-119 = ISO 9660, sections 8 and 9; Joliet specification 1995; IEEE P1282
 * SUSP/Rock Ridge): volume descriptors from sector 16, 2048-byte sectors, type 1 primary,
 * 2 supplementary (Joliet when its escape sequence at 88 is %/@, %/C or %/E), 255 terminator;
 * "CD001" at bytes 1-5; the root directory record at 156; logical block size (LE) at 128.
 * Directory record: length [0], extended attribute length [1], extent LBA (LE) [2], data
 * length (LE) [10], flags [25] (0x02 directory, 0x80 multi-extent), name length [32], name
 * [33]; records never straddle a sector (a 0 length byte means: next sector). UDF-only images
 * carry "BEA01"/"NSR02"/"NSR03" instead of "CD001" (ECMA-167 volume recognition sequence).
 *
 * Hostile input: every extent is checked against the image size, a directory is read in
 * bounded pieces (at most MAX_DIRECTORY_BYTES), the walk is depth-bounded and never visits a
 * directory extent twice (cycles), Rock Ridge continuation areas are bounded in number.
 */
import { IsoError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";

const SECTOR = 2048;
const MAX_DESCRIPTORS = 64;
const MAX_DIRECTORY_BYTES = 16 << 20;
const MAX_DEPTH = 32;
const MAX_ENTRIES = 200_000;
const MAX_CONTINUATIONS = 16;

export interface IsoEntry {
  /** Path from the root, "/"-separated, names as the image gives them (Joliet / Rock Ridge / ISO). */
  path: string;
  name: string;
  directory: boolean;
  /** Byte offset of the data in the image, and its size. */
  offset: number;
  size: number;
}

interface DirRecord {
  name: string;
  extent: number;
  size: number;
  directory: boolean;
  multiExtent: boolean;
}

export type IsoNames = "joliet" | "rock-ridge" | "iso9660";

const le32 = (bytes: Uint8Array, at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 0x1000000;
const le16 = (bytes: Uint8Array, at: number) => bytes[at] | (bytes[at + 1] << 8);
const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

function ucs2be(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  return text;
}

export class IsoImage {
  readonly names: IsoNames;
  readonly volumeId: string;
  private readonly blockSize: number;
  private readonly root: DirRecord;
  private readonly joliet: boolean;
  private readonly visited = new Set<number>();
  private entryCount = 0;

  constructor(
    readonly device: BlockDevice,
    readonly source: string,
  ) {
    let primary: Uint8Array | undefined;
    let joliet: Uint8Array | undefined;
    let udf = false;
    for (let i = 0; i < MAX_DESCRIPTORS; i++) {
      const at = (16 + i) * SECTOR;
      if (at + SECTOR > device.size) break;
      const bytes = device.read(at, SECTOR);
      const id = ascii(bytes, 1, 5);
      if (id === "BEA01" || id === "NSR02" || id === "NSR03" || id === "TEA01") {
        if (id.startsWith("NSR")) udf = true;
        continue;
      }
      if (id !== "CD001") break;
      if (bytes[0] === 255) break;
      if (bytes[0] === 1 && !primary) primary = bytes;
      if (bytes[0] === 2 && !joliet && bytes[88] === 0x25 && bytes[89] === 0x2f && [0x40, 0x43, 0x45].includes(bytes[90])) joliet = bytes;
    }
    if (!primary) {
      if (udf) throw new IsoError("udf-only", `${source} is a UDF-only disc image: p2vfix reads ISO 9660 (with Joliet or Rock Ridge names); extract the drivers to a folder and give the folder`, { path: source });
      throw new IsoError("not-iso9660", `${source} is not an ISO 9660 image (no primary volume descriptor at sector 16)`, { path: source, offset: 16 * SECTOR });
    }
    this.blockSize = le16(primary, 128);
    if (![512, 1024, 2048].includes(this.blockSize)) throw new IsoError("bad-block-size", `${source}: logical block size ${this.blockSize} is not 512, 1024 or 2048`, { path: source, offset: 16 * SECTOR + 128 });
    this.volumeId = ascii(primary, 40, 32).trim();
    this.joliet = joliet !== undefined;
    const descriptor = joliet ?? primary;
    this.root = this.parseRecord(descriptor.subarray(156, 156 + 34), "/", true)!;
    if (!this.root.directory) throw new IsoError("bad-root", `${source}: the root directory record is not a directory`, { path: source });
    this.names = this.joliet ? "joliet" : this.hasRockRidge() ? "rock-ridge" : "iso9660";
  }

  private hasRockRidge(): boolean {
    // SUSP "SP" entry at the start of the root's "." record system use area (SUSP 5.3).
    const first = this.readDirectory(this.root, "/", true)[0];
    return first !== undefined && first.name === "\u0000rr";
  }

  private checkExtent(extent: number, size: number, what: string): number {
    const offset = extent * this.blockSize;
    if (!Number.isSafeInteger(offset) || offset + size > this.device.size) {
      throw new IsoError("extent-out-of-range", `${this.source}: ${what} lies at ${offset}+${size}, beyond the end of the image (${this.device.size} bytes): the ISO is truncated or corrupt`, { path: this.source, offset });
    }
    return offset;
  }

  /** One directory record; undefined for "." / ".." (unless `keepDots`, which reports Rock Ridge presence). */
  private parseRecord(bytes: Uint8Array, parent: string, keepDots: boolean, offset = 0): DirRecord | undefined {
    if (bytes.length < 34 || bytes[0] < 34 || bytes[0] > bytes.length) throw new IsoError("bad-directory-record", `${this.source}: directory record in ${parent} has length ${bytes[0]}`, { path: this.source, offset });
    const nameLength = bytes[32];
    if (33 + nameLength > bytes[0]) throw new IsoError("bad-directory-record", `${this.source}: a name in ${parent} runs past its record`, { path: this.source, offset });
    const raw = bytes.subarray(33, 33 + nameLength);
    const flags = bytes[25];
    const base = { extent: le32(bytes, 2), size: le32(bytes, 10), directory: (flags & 0x02) !== 0, multiExtent: (flags & 0x80) !== 0 };
    if (nameLength === 1 && raw[0] <= 1) {
      if (!keepDots || raw[0] !== 0) return undefined;
      const su = bytes.subarray(33 + nameLength + ((nameLength & 1) === 0 ? 1 : 0), bytes[0]);
      return { ...base, name: su[0] === 0x53 && su[1] === 0x50 ? "\u0000rr" : "\u0000" };
    }
    let name: string;
    if (this.joliet) name = ucs2be(raw);
    else {
      name = ascii(raw, 0, raw.length);
      const su = bytes.subarray(33 + nameLength + ((nameLength & 1) === 0 ? 1 : 0), bytes[0]);
      const rr = this.rockRidgeName(su, parent);
      if (rr !== undefined) return { ...base, name: rr };
    }
    name = name.replace(/;\d+$/, "");
    if (!base.directory && name.endsWith(".")) name = name.slice(0, -1);
    if (name === "" || name.includes("/") || name === "." || name === ".." || name.includes("\u0000")) {
      throw new IsoError("bad-name", `${this.source}: a file name in ${parent} is empty or contains "/" or NUL`, { path: this.source, offset });
    }
    return { ...base, name };
  }

  /** Rock Ridge alternate name (NM entries, following CE continuation areas, bounded). */
  private rockRidgeName(area: Uint8Array, parent: string): string | undefined {
    let name: string | undefined;
    let su = area;
    for (let hops = 0; hops <= MAX_CONTINUATIONS; hops++) {
      let next: Uint8Array | undefined;
      for (let i = 0; i + 4 <= su.length; ) {
        const sig = ascii(su, i, 2);
        const len = su[i + 2];
        if (len < 4 || i + len > su.length) break;
        if (sig === "NM" && len >= 5) {
          const flags = su[i + 4];
          if ((flags & 0x06) === 0) name = (name ?? "") + new TextDecoder().decode(su.subarray(i + 5, i + len));
        } else if (sig === "CE" && len >= 28) {
          const ceLength = le32(su, i + 20);
          if (ceLength > SECTOR) throw new IsoError("bad-rock-ridge", `${this.source}: a Rock Ridge continuation area in ${parent} is ${ceLength} bytes`, { path: this.source });
          const offset = this.checkExtent(le32(su, i + 4), le32(su, i + 12) + ceLength, "a Rock Ridge continuation area") + le32(su, i + 12);
          next = this.device.read(offset, ceLength);
        } else if (sig === "ST") break;
        i += len;
      }
      if (!next) return name;
      su = next;
    }
    throw new IsoError("bad-rock-ridge", `${this.source}: Rock Ridge continuation areas in ${parent} chain more than ${MAX_CONTINUATIONS} times`, { path: this.source });
  }

  private readDirectory(dir: DirRecord, path: string, keepDots = false): DirRecord[] {
    if (dir.size > MAX_DIRECTORY_BYTES) throw new IsoError("directory-too-large", `${this.source}: directory ${path} claims ${dir.size} bytes`, { path: this.source });
    const start = this.checkExtent(dir.extent, dir.size, `directory ${path}`);
    const out: DirRecord[] = [];
    for (let sector = 0; sector < dir.size; sector += SECTOR) {
      const bytes = this.device.read(start + sector, Math.min(SECTOR, dir.size - sector));
      for (let i = 0; i < bytes.length && bytes[i] !== 0; ) {
        const len = bytes[i];
        const rec = this.parseRecord(bytes.subarray(i, i + len), path, keepDots, start + sector + i);
        if (rec) {
          if (++this.entryCount > MAX_ENTRIES) throw new IsoError("too-many-entries", `${this.source}: more than ${MAX_ENTRIES} entries`, { path: this.source });
          out.push(rec);
        }
        i += len;
      }
      if (keepDots) break;
    }
    return out;
  }

  /** Every file and folder, parents first. */
  list(): IsoEntry[] {
    this.visited.clear();
    this.entryCount = 0;
    const out: IsoEntry[] = [];
    const walk = (dir: DirRecord, path: string, depth: number) => {
      if (depth > MAX_DEPTH) throw new IsoError("too-deep", `${this.source}: folders nest deeper than ${MAX_DEPTH} levels at ${path}`, { path: this.source });
      if (this.visited.has(dir.extent)) throw new IsoError("directory-cycle", `${this.source}: directory ${path} is reached twice (a cycle)`, { path: this.source });
      this.visited.add(dir.extent);
      for (const rec of this.readDirectory(dir, path)) {
        const childPath = `${path === "/" ? "" : path}/${rec.name}`;
        if (rec.multiExtent) throw new IsoError("multi-extent", `${this.source}: ${childPath} is stored in several extents, which p2vfix does not read`, { path: this.source });
        const offset = this.checkExtent(rec.extent, rec.directory ? 0 : rec.size, childPath);
        out.push({ path: childPath, name: rec.name, directory: rec.directory, offset, size: rec.directory ? 0 : rec.size });
        if (rec.directory) walk(rec, childPath, depth + 1);
      }
    };
    walk(this.root, "/", 0);
    return out;
  }

  /** The bytes of a file found by list(). */
  read(entry: IsoEntry): Uint8Array {
    if (entry.directory) throw new IsoError("is-directory", `${this.source}: ${entry.path} is a folder`, { path: this.source });
    if (entry.offset + entry.size > this.device.size) throw new IsoError("extent-out-of-range", `${this.source}: ${entry.path} runs past the end of the image`, { path: this.source });
    return this.device.read(entry.offset, entry.size);
  }
}

/** Opens an ISO over a device; throws IsoError when it is not ISO 9660. */
export function openIso(device: BlockDevice, source: string): IsoImage {
  return new IsoImage(device, source);
}
