/**
 * VMDK disks: a monolithic sparse or stream-optimized file ("KDMV" with an embedded descriptor),
 * or a text descriptor naming FLAT/VMFS/SPARSE/ZERO extents (monolithicFlat, vmfs,
 * twoGbMaxExtentFlat, twoGbMaxExtentSparse). Delta disks (parentCID) are refused.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ImageError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { FileDevice } from "../../io/file-device.js";
import type { OpenedContainer } from "../container.js";
import { MappedDevice } from "../mapped-device.js";
import type { AddressMap, ImageFormat, Mapping } from "../types.js";
import { checkHostRun, readStructure } from "../util.js";
import { MAX_DESCRIPTOR_SIZE, parseDescriptor, refuseParent, type VmdkDescriptor } from "./descriptor.js";
import { SparseExtent } from "./sparse-extent.js";

const SECTOR = 512;
/** More extents than this is not a real disk (a 2 TiB disk split at 2 GiB has 1024). */
const MAX_EXTENTS = 65536;

interface Extent {
  /** Virtual start and size in bytes. */
  start: number;
  size: number;
  map(offset: number, limit: number): Mapping;
}

/** Concatenated extents: binary search for the extent, then its own translation. */
export class VmdkExtentMap implements AddressMap {
  readonly virtualSize: number;
  constructor(private readonly extents: Extent[]) {
    const last = extents[extents.length - 1];
    this.virtualSize = last ? last.start + last.size : 0;
  }
  mapOffset(virtualOffset: number): Mapping {
    let lo = 0;
    let hi = this.extents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.extents[mid].start <= virtualOffset) lo = mid;
      else hi = mid - 1;
    }
    const e = this.extents[lo];
    const inExtent = virtualOffset - e.start;
    return e.map(inExtent, e.size - inExtent);
  }
}

function sparseFormat(d: VmdkDescriptor | undefined, extent: SparseExtent): ImageFormat {
  if (extent.compressed || d?.createType === "streamOptimized") return "vmdk-stream";
  return "vmdk-sparse";
}

/** A file starting with "KDMV": monolithic sparse or stream-optimized. */
export function openVmdkSparse(file: BlockDevice, path: string, onClose: () => void): OpenedContainer {
  const warnings: string[] = [];
  const extent = new SparseExtent(file, path, warnings);
  const text = extent.embeddedDescriptor();
  let descriptor: VmdkDescriptor | undefined;
  if (text) {
    descriptor = parseDescriptor(text, path);
    refuseParent(descriptor, path);
    if (descriptor.extents.length > 1) {
      warnings.push(`${path}: embedded descriptor lists ${descriptor.extents.length} extents; only this file is read`);
    }
  }
  const size = extent.size;
  const map = new VmdkExtentMap([{ start: 0, size, map: (o, l) => extent.mapOffset(o, l) }]);
  return { format: sparseFormat(descriptor, extent), device: new MappedDevice(map, path, onClose), virtualSize: size, logicalSectorSize: SECTOR, warnings, extraFiles: [] };
}

/** Resolves an extent file name against the descriptor's folder, refusing names that leave it. */
function extentPath(descriptorPath: string, name: string, line: number): string {
  const folder = dirname(resolve(descriptorPath));
  const full = resolve(folder, name);
  const rel = relative(folder, full);
  if (isAbsolute(name) || rel === "" || rel.startsWith(".." + sep) || rel === ".." || isAbsolute(rel)) {
    throw new ImageError("bad-extent-path", `${descriptorPath}: VMDK extent "${name}" (line ${line}) is not a file beside the descriptor`, { path: descriptorPath });
  }
  return full;
}

/** A text descriptor file (monolithicFlat, vmfs, twoGbMaxExtentFlat/Sparse). */
export function openVmdkDescriptor(file: BlockDevice, path: string, onClose: () => void, writable: boolean): OpenedContainer {
  if (file.size > MAX_DESCRIPTOR_SIZE) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor is larger than 1 MiB`, { path });
  const descriptor = parseDescriptor(readStructure(file, 0, file.size, "VMDK descriptor", path), path);
  refuseParent(descriptor, path);
  if (descriptor.extents.length === 0) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor lists no extents`, { path });
  if (descriptor.extents.length > MAX_EXTENTS) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor lists too many extents`, { path });
  const warnings: string[] = [];
  const extraFiles: { path: string; device: BlockDevice }[] = [];
  const closeAll = () => {
    for (const f of extraFiles) f.device.close();
    onClose();
  };
  try {
    const extents: Extent[] = [];
    let start = 0;
    let sparseCount = 0;
    for (const line of descriptor.extents) {
      const size = line.sectors * SECTOR;
      if (line.access === "NOACCESS") throw new ImageError("unsupported-extent", `${path}: VMDK extent on line ${line.line} is NOACCESS`, { path });
      if (line.type === "ZERO") {
        extents.push({ start, size, map: (_o, l) => ({ kind: "zero", length: l }) });
      } else if (line.type === "FLAT" || line.type === "VMFS") {
        if (line.file === undefined) throw new ImageError("bad-descriptor", `${path}: VMDK extent on line ${line.line} names no file`, { path });
        const extentFile = extentPath(path, line.file, line.line);
        const device = new FileDevice(extentFile, { writable });
        extraFiles.push({ path: extentFile, device });
        const base = line.offset * SECTOR;
        checkHostRun(device, base, size, `VMDK flat extent (line ${line.line})`, extentFile);
        extents.push({ start, size, map: (o, l) => ({ kind: "data", file: device, offset: base + o, length: l }) });
      } else if (line.type === "SPARSE") {
        if (line.file === undefined) throw new ImageError("bad-descriptor", `${path}: VMDK extent on line ${line.line} names no file`, { path });
        const extentFile = extentPath(path, line.file, line.line);
        const device = new FileDevice(extentFile);
        extraFiles.push({ path: extentFile, device });
        const sparse = new SparseExtent(device, extentFile, warnings);
        if (sparse.size < size) {
          throw new ImageError("bad-descriptor", `${path}: VMDK extent "${line.file}" holds ${sparse.size} bytes, the descriptor says ${size}`, { path });
        }
        sparseCount++;
        extents.push({ start, size, map: (o, l) => sparse.mapOffset(o, l) });
      } else {
        throw new ImageError("unsupported-extent", `${path}: VMDK extent type ${line.type} (line ${line.line}) is not supported`, { path });
      }
      if (size > 0) start += size;
      else extents.pop();
    }
    if (extents.length === 0) throw new ImageError("bad-descriptor", `${path}: VMDK extents are all empty`, { path });
    const format: ImageFormat = sparseCount > 0 ? "vmdk-split" : "vmdk-flat";
    const map = new VmdkExtentMap(extents);
    return { format, device: new MappedDevice(map, path, closeAll), virtualSize: map.virtualSize, logicalSectorSize: SECTOR, warnings, extraFiles };
  } catch (err) {
    for (const f of extraFiles) f.device.close();
    throw err;
  }
}
