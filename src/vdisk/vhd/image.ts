/**
 * VHD (Virtual PC / Hyper-V v1) fixed and dynamic disks. Fixed: the data, then the footer.
 * Dynamic: footer copy, dynamic header, BAT (u32 BE sector numbers, 0xFFFFFFFF = unallocated),
 * blocks of [sector bitmap | data]. Differencing disks (type 4) are refused.
 * Source: Microsoft "Virtual Hard Disk Image Format Specification" v1.0.
 */
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import type { OpenedContainer } from "../container.js";
import { HostExtentIndex } from "../host-extents.js";
import { HostSlice } from "../host-slice.js";
import { MappedDevice } from "../mapped-device.js";
import { TableCache } from "../table-cache.js";
import type { Mapping, WritableAddressMap, WritePlan, WriteTarget } from "../types.js";
import { checkHostRun, imageReader, isPowerOfTwo, readStructure } from "../util.js";
import { DYNAMIC_HEADER_COOKIE, DYNAMIC_HEADER_SIZE, parseDynamicHeader, type VhdDynamicHeader } from "./dynamic-header.js";
import { DiskType, FOOTER_SIZE, hasFooterCookie, parseFooter, type VhdFooter } from "./footer.js";

const SECTOR = 512;
const UNALLOCATED = 0xffffffff;
/** The format addresses at most 2040 GiB; the BAT is bounded by it. */
const MAX_VIRTUAL_SIZE = 2040 * 2 ** 30;

/** Picks the footer: the one at the end, or the copy at offset 0 when the end one is damaged. */
function readFooter(file: BlockDevice, path: string, warnings: string[]): VhdFooter {
  if (file.size < FOOTER_SIZE) throw new ImageError("truncated", `${path}: too small for a VHD footer`, { path });
  const end = file.read(file.size - FOOTER_SIZE, FOOTER_SIZE);
  const endFooter = hasFooterCookie(end) ? parseFooter(imageReader(end, path, file.size - FOOTER_SIZE)) : undefined;
  const endValid = endFooter !== undefined && endFooter.storedChecksum === endFooter.computedChecksum;
  if (endValid) return endFooter;
  const head = file.read(0, FOOTER_SIZE);
  const headFooter = hasFooterCookie(head) ? parseFooter(imageReader(head, path, 0)) : undefined;
  if (headFooter && headFooter.storedChecksum === headFooter.computedChecksum && headFooter.diskType !== DiskType.fixed) {
    warnings.push(`VHD footer at the end of the file is ${endFooter ? "corrupt (wrong checksum)" : "missing"}; using the copy at offset 0`);
    return headFooter;
  }
  const chosen = endFooter ?? headFooter;
  if (!chosen) throw new ImageError("bad-signature", `${path}: no VHD footer ("conectix") found`, { path });
  // Old qemu versions wrote wrong checksums; the rest of the footer is still sound.
  warnings.push(
    `VHD footer checksum is wrong (stored 0x${chosen.storedChecksum.toString(16)}, computed 0x${chosen.computedChecksum.toString(16)}); opened anyway`,
  );
  return chosen;
}

export function openVhd(file: BlockDevice, path: string, onClose: () => void, writable = false): OpenedContainer {
  const warnings: string[] = [];
  const footer = readFooter(file, path, warnings);
  if (footer.savedState !== 0) warnings.push("VHD footer says the disk is in a saved state");
  // A disk in a saved state belongs to a suspended VM; a damaged footer would be copied when a block is added.
  if (writable && warnings.length > 0) {
    throw new RefusedError("unsafe-write", `${path}: refusing to write: ${warnings.join("; ")}. Repair the disk (or resume and shut down the VM) first`, { path });
  }
  const virtualSize = footer.currentSize;
  if (virtualSize > MAX_VIRTUAL_SIZE || virtualSize % SECTOR !== 0) {
    throw new ImageError("bad-size", `${path}: VHD virtual size ${virtualSize} is not a sector multiple up to 2040 GiB`, { path, offset: 48 });
  }
  if (footer.diskType === DiskType.differencing) {
    throw new ImageError("unsupported-differencing", `${path}: differencing VHD (disk type 4, needs its parent) is not supported`, { path });
  }
  if (footer.diskType === DiskType.fixed) {
    if (virtualSize > file.size - FOOTER_SIZE) {
      throw new ImageError("truncated", `${path}: fixed VHD declares ${virtualSize} bytes but the file holds ${file.size - FOOTER_SIZE}`, { path });
    }
    const device = new HostSlice(file, 0, virtualSize, onClose);
    return { format: "vhd-fixed", device, virtualSize, logicalSectorSize: SECTOR, warnings, extraFiles: [] };
  }
  if (footer.diskType !== DiskType.dynamic) {
    throw new ImageError("unsupported-disk-type", `${path}: unknown VHD disk type ${footer.diskType}`, { path, offset: 60 });
  }
  const headerOffset = footer.dataOffset > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(footer.dataOffset);
  const header = parseDynamicHeader(imageReader(readStructure(file, headerOffset, DYNAMIC_HEADER_SIZE, "VHD dynamic header", path), path, headerOffset));
  if (header.cookie !== DYNAMIC_HEADER_COOKIE) {
    throw new ImageError("bad-signature", `${path}: no VHD dynamic header ("cxsparse") at ${headerOffset}`, { path, offset: headerOffset });
  }
  if (header.storedChecksum !== header.computedChecksum) {
    if (writable) throw new RefusedError("unsafe-write", `${path}: refusing to write: the VHD dynamic header checksum is wrong`, { path, offset: headerOffset + 36 });
    warnings.push("VHD dynamic header checksum is wrong; opened anyway");
  }
  if (!isPowerOfTwo(header.blockSize) || header.blockSize < SECTOR || header.blockSize > 2 ** 28) {
    throw new ImageError("bad-block-size", `${path}: VHD block size ${header.blockSize} is not a power of two in 512 B..256 MiB`, {
      path,
      offset: headerOffset + 32,
    });
  }
  if (header.maxTableEntries * header.blockSize < virtualSize) {
    throw new ImageError("bad-bat", `${path}: VHD BAT has ${header.maxTableEntries} entries, too few for ${virtualSize} bytes`, {
      path,
      offset: headerOffset + 28,
    });
  }
  checkHostRun(file, header.tableOffset, header.maxTableEntries * 4, "VHD BAT", path);
  const map = new VhdDynamicMap(file, path, header, virtualSize, headerOffset);
  const device = new MappedDevice({ map, what: path, onClose, ...(writable ? { writer: map } : {}) });
  return { format: "vhd-dynamic", device, virtualSize, logicalSectorSize: SECTOR, warnings, extraFiles: [] };
}

/**
 * Dynamic VHD address translation: BAT entry → block, sector bitmap bit → data or zeros.
 * Writes set the bitmap bits of the sectors they touch; a write into an unallocated block
 * appends the block where the footer was and moves the footer to the new end (as qemu's
 * vpc driver does), then points the BAT entry at it.
 */
export class VhdDynamicMap implements WritableAddressMap {
  private readonly tables: TableCache;
  /** Sector bitmap size, padded to a whole sector. */
  readonly bitmapSize: number;

  constructor(
    private readonly file: BlockDevice,
    private readonly path: string,
    private readonly header: VhdDynamicHeader,
    readonly virtualSize: number,
    private readonly headerOffset = 512,
  ) {
    this.tables = new TableCache(file, `${path} VHD BAT`);
    this.bitmapSize = Math.ceil(header.blockSize / SECTOR / 8 / SECTOR) * SECTOR;
  }

  mapOffset(virtualOffset: number): Mapping {
    const { blockSize, tableOffset } = this.header;
    const blockIndex = Math.floor(virtualOffset / blockSize);
    const inBlock = virtualOffset - blockIndex * blockSize;
    const blockRemaining = Math.min(blockSize - inBlock, this.virtualSize - virtualOffset);
    const entry = this.tables.u32be(tableOffset + blockIndex * 4);
    if (entry === UNALLOCATED) return { kind: "zero", length: blockRemaining };
    const blockStart = entry * SECTOR;
    checkHostRun(this.file, blockStart, this.bitmapSize, `VHD BAT entry ${blockIndex}`, this.path);
    // Sector bitmap, MSB first: 1 = the sector holds data, 0 = it reads as zeros.
    const sector = Math.floor(inBlock / SECTOR);
    const present = this.sectorPresent(blockStart, sector);
    const lastSector = Math.ceil((inBlock + blockRemaining) / SECTOR);
    let runEnd = sector + 1;
    const sameByte = present ? 0xff : 0;
    while (runEnd < lastSector) {
      // Whole bitmap bytes of the same state advance eight sectors at once.
      if ((runEnd & 7) === 0 && runEnd + 8 <= lastSector && this.tables.u8(blockStart + (runEnd >> 3)) === sameByte) {
        runEnd += 8;
      } else if (this.sectorPresent(blockStart, runEnd) === present) {
        runEnd++;
      } else {
        break;
      }
    }
    const length = Math.min(runEnd * SECTOR - inBlock, blockRemaining);
    if (!present) return { kind: "zero", length };
    const offset = blockStart + this.bitmapSize + inBlock;
    checkHostRun(this.file, offset, length, `VHD BAT entry ${blockIndex}`, this.path);
    return { kind: "data", file: this.file, offset, length };
  }

  mapWrite(virtualOffset: number, length: number, plan?: WritePlan): WriteTarget {
    const { blockSize, tableOffset } = this.header;
    const blockIndex = Math.floor(virtualOffset / blockSize);
    const inBlock = virtualOffset - blockIndex * blockSize;
    const run = Math.min(blockSize - inBlock, this.virtualSize - virtualOffset, length);
    const batAt = tableOffset + blockIndex * 4;
    const entry = this.tables.u32be(batAt);
    const allocated = entry !== UNALLOCATED;
    if (allocated) this.extents().refuseOverlap(entry * SECTOR, entry * SECTOR + this.bitmapSize + blockSize, blockIndex, "VHD", this.path);
    if (plan) {
      if (allocated) checkHostRun(this.file, entry * SECTOR, this.bitmapSize + inBlock + run, `VHD BAT entry ${blockIndex}`, this.path);
      else if (this.file.resize === undefined) {
        throw new RefusedError("needs-allocation", `${this.path}: VHD block ${blockIndex} is unallocated and the host file cannot grow`, { path: this.path });
      }
      return { file: this.file, offset: -1, length: run };
    }
    const blockStart = allocated ? entry * SECTOR : this.appendBlock();
    checkHostRun(this.file, blockStart, this.bitmapSize + inBlock + run, `VHD BAT entry ${blockIndex}`, this.path);
    const first = Math.floor(inBlock / SECTOR);
    const last = Math.floor((inBlock + run - 1) / SECTOR);
    // A sector whose bit is 0 reads as zeros whatever the file holds there: zero the part of a
    // partly written one that the write does not cover, before its bit makes it visible.
    for (const sector of first === last ? [first] : [first, last]) {
      const covered = Math.min(inBlock + run, (sector + 1) * SECTOR) - Math.max(inBlock, sector * SECTOR);
      if (covered < SECTOR && !this.sectorPresent(blockStart, sector)) {
        this.file.write(blockStart + this.bitmapSize + sector * SECTOR, new Uint8Array(SECTOR));
      }
    }
    const commit = () => {
      this.setSectorsPresent(blockStart, first, last);
      if (!allocated) {
        const be = new Uint8Array(4);
        new DataView(be.buffer).setUint32(0, blockStart / SECTOR, false);
        this.tables.write(batAt, be);
      }
    };
    return { file: this.file, offset: blockStart + this.bitmapSize + inBlock, length: run, commit };
  }

  private extentIndex?: HostExtentIndex;

  /**
   * Every allocated block and the fixed structures (footer copy, dynamic header, BAT), read once
   * before the first write: an allocated block written must not share bytes with any of them.
   */
  private extents(): HostExtentIndex {
    if (this.extentIndex) return this.extentIndex;
    const { blockSize, tableOffset } = this.header;
    const count = Math.ceil(this.virtualSize / blockSize);
    const bat = this.file.read(tableOffset, count * 4);
    const view = new DataView(bat.buffer, bat.byteOffset, bat.byteLength);
    const blocks: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      const entry = view.getUint32(i * 4, false);
      if (entry !== UNALLOCATED) blocks.push([i, entry * SECTOR]);
    }
    const fixed = [
      { name: "footer copy", start: 0, end: FOOTER_SIZE },
      { name: "dynamic header", start: this.headerOffset, end: this.headerOffset + DYNAMIC_HEADER_SIZE },
      { name: "BAT", start: tableOffset, end: tableOffset + Math.ceil((this.header.maxTableEntries * 4) / SECTOR) * SECTOR },
    ];
    this.extentIndex = new HostExtentIndex(fixed, blocks, this.bitmapSize + blockSize, (entry) => `BAT entry ${entry}`);
    return this.extentIndex;
  }

  /** Appends an empty block (zero bitmap, zero data) where the footer is and rewrites the footer after it. */
  private appendBlock(): number {
    const footerAt = this.file.size - FOOTER_SIZE;
    if (footerAt % SECTOR !== 0 || this.file.resize === undefined) {
      throw new RefusedError("needs-allocation", `${this.path}: cannot append a VHD block (file size ${this.file.size} is not sector aligned or cannot grow)`, { path: this.path });
    }
    if (!Number.isSafeInteger((footerAt + this.bitmapSize) / SECTOR) || footerAt / SECTOR >= UNALLOCATED) {
      throw new RefusedError("needs-allocation", `${this.path}: the VHD file is too large for another block`, { path: this.path });
    }
    const footer = this.file.read(footerAt, FOOTER_SIZE);
    const newFooterAt = footerAt + this.bitmapSize + this.header.blockSize;
    this.file.resize(newFooterAt + FOOTER_SIZE);
    // The bitmap overwrites the old footer; the data part is new file space, zeros.
    // Through the table cache: a cached page may still hold the old footer bytes.
    this.tables.write(footerAt, new Uint8Array(this.bitmapSize));
    this.tables.write(newFooterAt, footer);
    return footerAt;
  }

  private setSectorsPresent(blockStart: number, first: number, last: number): void {
    const from = first >> 3;
    const bytes = this.file.read(blockStart + from, (last >> 3) - from + 1);
    const before = bytes.slice();
    for (let s = first; s <= last; s++) bytes[(s >> 3) - from] |= 0x80 >> (s & 7);
    if (Buffer.compare(before, bytes) !== 0) this.tables.write(blockStart + from, bytes);
  }

  flush(): void {
    this.file.flush();
  }

  private sectorPresent(blockStart: number, sector: number): boolean {
    const byte = this.tables.u8(blockStart + (sector >> 3));
    return (byte & (0x80 >> (sector & 7))) !== 0;
  }
}
