/**
 * VMDK disks: a monolithic sparse or stream-optimized file ("KDMV" with an embedded descriptor),
 * or a text descriptor naming FLAT/VMFS/SPARSE/ZERO extents (monolithicFlat, vmfs,
 * twoGbMaxExtentFlat, twoGbMaxExtentSparse). Delta disks (parentCID) are refused.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { FileDevice } from "../../io/file-device.js";
import { isSymlink } from "../../io/safe-file.js";
import type { OpenedContainer } from "../container.js";
import { MappedDevice } from "../mapped-device.js";
import type { ImageFormat, Mapping, WritableAddressMap, WritePlan, WriteTarget } from "../types.js";
import { checkHostRun, readStructure } from "../util.js";
import { newCidPatch } from "./cid.js";
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
  /** Absent for extents that cannot be written (ZERO). */
  mapWrite?(offset: number, limit: number, plan?: WritePlan): WriteTarget;
}

/** Opens a VMDK extent file (default: a FileDevice); the transaction engine passes overlays. */
export type ExtentOpener = (path: string, writable: boolean) => BlockDevice;

export const openExtentFile: ExtentOpener = (path, writable) => new FileDevice(path, { writable });

/** Where the descriptor text lives, for the CID update before the first write. */
interface DescriptorLocation {
  file: BlockDevice;
  offset: number;
  length: number;
}

/** Concatenated extents: binary search for the extent, then its own translation. */
export class VmdkExtentMap implements WritableAddressMap {
  readonly virtualSize: number;
  constructor(
    private readonly extents: Extent[],
    private readonly path: string,
    private readonly descriptor?: DescriptorLocation,
    private readonly hostFiles: BlockDevice[] = [],
  ) {
    const last = extents[extents.length - 1];
    this.virtualSize = last ? last.start + last.size : 0;
  }

  mapOffset(virtualOffset: number): Mapping {
    const extent = this.extentAt(virtualOffset);
    const inExtent = virtualOffset - extent.start;
    return extent.map(inExtent, extent.size - inExtent);
  }

  /** New CID in the descriptor before the first data write. */
  beginWrite(): void {
    const descriptorLocation = this.descriptor;
    if (!descriptorLocation) return;
    const patch = newCidPatch(descriptorLocation.file.read(descriptorLocation.offset, descriptorLocation.length));
    if (patch) descriptorLocation.file.write(descriptorLocation.offset + patch.offset, patch.bytes);
  }

  mapWrite(virtualOffset: number, length: number, plan?: WritePlan): WriteTarget {
    const extent = this.extentAt(virtualOffset);
    const inExtent = virtualOffset - extent.start;
    const limit = Math.min(length, extent.size - inExtent);
    if (!extent.mapWrite) {
      throw new RefusedError("unsupported-write", `${this.path}: offset ${virtualOffset} lies in a ZERO extent, which cannot hold data`, { path: this.path });
    }
    return extent.mapWrite(inExtent, limit, plan);
  }

  flush(): void {
    for (const hostFile of this.hostFiles) hostFile.flush();
  }

  private extentAt(virtualOffset: number): Extent {
    let lo = 0;
    let hi = this.extents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.extents[mid].start <= virtualOffset) lo = mid;
      else hi = mid - 1;
    }
    return this.extents[lo];
  }
}

function sparseFormat(vmdkDescriptor: VmdkDescriptor | undefined, extent: SparseExtent): ImageFormat {
  if (extent.compressed || vmdkDescriptor?.createType === "streamOptimized") return "vmdk-stream";
  return "vmdk-sparse";
}

/** A file starting with "KDMV": monolithic sparse or stream-optimized. */
export function openVmdkSparse(file: BlockDevice, path: string, onClose: () => void, writable = false): OpenedContainer {
  const warnings: string[] = [];
  const extent = new SparseExtent(file, path, warnings);
  const refusal = writable ? extent.writeRefusal() : undefined;
  if (refusal) throw new RefusedError("unsupported-write", `${path}: ${refusal}`, { path });
  const text = extent.embeddedDescriptor();
  let descriptor: VmdkDescriptor | undefined;
  if (text) {
    descriptor = parseDescriptor(text, path);
    refuseParent(descriptor, path);
    if (descriptor.extents.length > 1) {
      warnings.push(`${path}: embedded descriptor lists ${descriptor.extents.length} extents; only this file is read`);
    }
  }
  if (writable && sparseFormat(descriptor, extent) === "vmdk-stream") {
    throw new RefusedError("unsupported-write", `${path}: stream-optimized VMDK disks are read-only; convert the disk to monolithicSparse or flat first`, { path });
  }
  if (writable && descriptor && descriptor.extents.length > 1) {
    throw new RefusedError("unsupported-write", `${path}: the embedded descriptor lists several extents; refusing to write only one of them`, { path });
  }
  const size = extent.size;
  const descriptorAt = text ? { file, offset: extent.header.descriptorOffset * SECTOR, length: text.length } : undefined;
  const map = new VmdkExtentMap(
    [{ start: 0, size, map: (offset, length) => extent.mapOffset(offset, length), mapWrite: (offset, length, plan) => extent.mapWrite(offset, length, plan) }],
    path,
    descriptorAt,
    [file],
  );
  const device = new MappedDevice({ map, what: path, onClose, ...(writable ? { writer: map } : {}) });
  return { format: sparseFormat(descriptor, extent), device, virtualSize: size, logicalSectorSize: SECTOR, warnings, extraFiles: [] };
}

/**
 * Resolves an extent file name against the descriptor's folder, refusing names that leave it;
 * for writing (and undo), also an extent that is a symbolic link: a link planted beside the
 * descriptor would send the write to any host file.
 */
function extentPath(descriptorPath: string, name: string, line: number, writable: boolean): string {
  const folder = dirname(resolve(descriptorPath));
  const full = resolve(folder, name);
  const rel = relative(folder, full);
  if (isAbsolute(name) || rel === "" || rel.startsWith(".." + sep) || rel === ".." || isAbsolute(rel)) {
    throw new ImageError("bad-extent-path", `${descriptorPath}: VMDK extent "${name}" (line ${line}) is not a file beside the descriptor`, { path: descriptorPath });
  }
  if (writable && isSymlink(full)) {
    throw new RefusedError("extent-is-symlink", `${descriptorPath}: VMDK extent "${name}" (line ${line}) is a symbolic link: p2vfix does not write through links; copy the extent in place first`, { path: full });
  }
  return full;
}

/** A text descriptor file (monolithicFlat, vmfs, twoGbMaxExtentFlat/Sparse). */
export function openVmdkDescriptor(
  file: BlockDevice,
  path: string,
  onClose: () => void,
  writable: boolean,
  openExtent: ExtentOpener = openExtentFile,
): OpenedContainer {
  if (file.size > MAX_DESCRIPTOR_SIZE) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor is larger than 1 MiB`, { path });
  const descriptor = parseDescriptor(readStructure(file, 0, file.size, "VMDK descriptor", path), path);
  refuseParent(descriptor, path);
  if (descriptor.extents.length === 0) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor lists no extents`, { path });
  if (descriptor.extents.length > MAX_EXTENTS) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor lists too many extents`, { path });
  const warnings: string[] = [];
  const extraFiles: { path: string; device: BlockDevice }[] = [];
  const closeAll = () => {
    for (const extraFile of extraFiles) extraFile.device.close();
    onClose();
  };
  try {
    const extents: Extent[] = [];
    let start = 0;
    let sparseCount = 0;
    for (const line of descriptor.extents) {
      const size = line.sectors * SECTOR;
      if (line.access === "NOACCESS") throw new ImageError("unsupported-extent", `${path}: VMDK extent on line ${line.line} is NOACCESS`, { path });
      if (writable && line.access === "RDONLY") throw new RefusedError("unsupported-write", `${path}: VMDK extent on line ${line.line} is marked RDONLY`, { path });
      if (line.type === "ZERO") {
        extents.push({ start, size, map: (_o, length) => ({ kind: "zero", length: length }) });
      } else if (line.type === "FLAT" || line.type === "VMFS") {
        if (line.file === undefined) throw new ImageError("bad-descriptor", `${path}: VMDK extent on line ${line.line} names no file`, { path });
        const extentFile = extentPath(path, line.file, line.line, writable);
        const device = openExtent(extentFile, writable);
        extraFiles.push({ path: extentFile, device });
        const base = line.offset * SECTOR;
        checkHostRun(device, base, size, `VMDK flat extent (line ${line.line})`, extentFile);
        const direct = (offset: number, length: number) => ({ kind: "data" as const, file: device, offset: base + offset, length: length });
        extents.push({ start, size, map: direct, mapWrite: direct });
      } else if (line.type === "SPARSE") {
        if (line.file === undefined) throw new ImageError("bad-descriptor", `${path}: VMDK extent on line ${line.line} names no file`, { path });
        const extentFile = extentPath(path, line.file, line.line, writable);
        const device = openExtent(extentFile, writable);
        extraFiles.push({ path: extentFile, device });
        const sparse = new SparseExtent(device, extentFile, warnings);
        const refusal = writable ? sparse.writeRefusal() : undefined;
        if (refusal) throw new RefusedError("unsupported-write", `${extentFile}: ${refusal}`, { path: extentFile });
        if (sparse.size < size) {
          throw new ImageError("bad-descriptor", `${path}: VMDK extent "${line.file}" holds ${sparse.size} bytes, the descriptor says ${size}`, { path });
        }
        sparseCount++;
        extents.push({ start, size, map: (offset, length) => sparse.mapOffset(offset, length), mapWrite: (offset, length, plan) => sparse.mapWrite(offset, length, plan) });
      } else {
        throw new ImageError("unsupported-extent", `${path}: VMDK extent type ${line.type} (line ${line.line}) is not supported`, { path });
      }
      if (size > 0) start += size;
      else extents.pop();
    }
    if (extents.length === 0) throw new ImageError("bad-descriptor", `${path}: VMDK extents are all empty`, { path });
    const format: ImageFormat = sparseCount > 0 ? "vmdk-split" : "vmdk-flat";
    if (writable && descriptor.createType === "streamOptimized") {
      throw new RefusedError("unsupported-write", `${path}: stream-optimized VMDK disks are read-only; convert the disk to monolithicSparse or flat first`, { path });
    }
    const map = new VmdkExtentMap(extents, path, { file, offset: 0, length: file.size }, [file, ...extraFiles.map((extraFile) => extraFile.device)]);
    const device = new MappedDevice({ map, what: path, onClose: closeAll, ...(writable ? { writer: map } : {}) });
    return { format, device, virtualSize: map.virtualSize, logicalSectorSize: SECTOR, warnings, extraFiles };
  } catch (err) {
    for (const extraFile of extraFiles) extraFile.device.close();
    throw err;
  }
}
