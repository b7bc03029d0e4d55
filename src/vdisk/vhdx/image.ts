/**
 * VHDX: file identifier "vhdxfile", two headers, two region tables, then the BAT and metadata
 * regions and the payload. A pending log (LogGuid non-zero), a parent, or an unknown required
 * region/metadata item is refused. Source: MS-VHDX.
 */
import { ImageError, RefusedError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import type { OpenedContainer } from "../container.js";
import { MappedDevice } from "../mapped-device.js";
import { checkHostRun, imageReader, readStructure } from "../util.js";
import { batEntryCount, chunkRatio, VhdxBatMap } from "./bat.js";
import { currentHeader, HEADER_OFFSETS, HEADER_SIZE, parseHeader } from "./header.js";
import { METADATA_TABLE_SIZE, parseMetadata } from "./metadata.js";
import { writeSessionHeaders } from "./session-header.js";
import { parseRegionTable, REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, RegionGuid, type RegionEntry } from "./region-table.js";

export const FILE_IDENTIFIER = "vhdxfile";
const MiB = 2 ** 20;
/** Largest metadata region read whole (the spec caps it well below this). */
const MAX_METADATA_REGION = 16 * MiB;

export function openVhdx(file: BlockDevice, path: string, onClose: () => void, writable = false): OpenedContainer {
  const warnings: string[] = [];
  const ident = readStructure(file, 0, 8, "VHDX file identifier", path);
  if (String.fromCharCode(...ident) !== FILE_IDENTIFIER) throw new ImageError("bad-signature", `${path}: not a VHDX file`, { path });

  const slots = HEADER_OFFSETS.map((at, slot) => {
    if (at + HEADER_SIZE > file.size) return undefined;
    return parseHeader(imageReader(file.read(at, HEADER_SIZE), path, at), slot);
  });
  const header = currentHeader(slots[0], slots[1]);
  if (header === "none") throw new ImageError("bad-header", `${path}: neither VHDX header is valid (signature or CRC-32C)`, { path, offset: HEADER_OFFSETS[0] });
  if (header === "ambiguous") {
    throw new ImageError("bad-header", `${path}: the two VHDX headers differ but have the same sequence number`, { path, offset: HEADER_OFFSETS[0] });
  }
  if (!slots[0] || !slots[1]) warnings.push(`VHDX header ${slots[0] ? 2 : 1} is invalid; using the other copy`);
  if (header.version !== 1) throw new ImageError("unsupported-version", `${path}: VHDX version ${header.version} is not supported`, { path });
  if (!header.logEmpty) {
    throw new ImageError(
      "unsupported-log",
      `${path}: VHDX has a log that must be replayed first (LogGuid is set); open it once in Hyper-V or run "qemu-img check -r all"`,
      { path, offset: HEADER_OFFSETS[header.slot] + 48 },
    );
  }

  let regions: RegionEntry[] | undefined;
  for (const [key, at] of REGION_TABLE_OFFSETS.entries()) {
    if (at + REGION_TABLE_SIZE > file.size) continue;
    regions = parseRegionTable(imageReader(file.read(at, REGION_TABLE_SIZE), path, at));
    if (regions) {
      if (key > 0) warnings.push("VHDX region table 1 is invalid; using copy 2");
      break;
    }
  }
  if (!regions) throw new ImageError("bad-region-table", `${path}: neither VHDX region table is valid`, { path, offset: REGION_TABLE_OFFSETS[0] });
  const find = (guid: string) => regions.find((region) => region.guid === guid);
  for (const region of regions) {
    if (region.required && region.guid !== RegionGuid.bat && region.guid !== RegionGuid.metadata) {
      throw new ImageError("unsupported-region", `${path}: VHDX has an unknown required region ${region.guid}`, { path });
    }
  }
  const batRegion = find(RegionGuid.bat);
  const metaRegion = find(RegionGuid.metadata);
  if (!batRegion || !metaRegion) throw new ImageError("bad-region-table", `${path}: VHDX region table lacks the BAT or metadata region`, { path });
  for (const [name, regionEntry] of [["BAT", batRegion], ["metadata", metaRegion]] as const) {
    if (regionEntry.fileOffset < MiB || regionEntry.fileOffset % MiB !== 0) {
      throw new ImageError("bad-region-table", `${path}: VHDX ${name} region at ${regionEntry.fileOffset} is not 1 MiB aligned past the header section`, { path });
    }
  }
  if (metaRegion.length < METADATA_TABLE_SIZE || metaRegion.length > MAX_METADATA_REGION) {
    throw new ImageError("bad-region-table", `${path}: VHDX metadata region length ${metaRegion.length} is out of range`, { path });
  }
  const metaBytes = readStructure(file, metaRegion.fileOffset, metaRegion.length, "VHDX metadata region", path);
  const meta = parseMetadata(imageReader(metaBytes, path, metaRegion.fileOffset), path);
  if (meta.hasParent) throw new ImageError("unsupported-differencing", `${path}: differencing VHDX (HasParent) is not supported`, { path });

  const ratio = chunkRatio(meta.logicalSectorSize, meta.blockSize);
  const entries = batEntryCount(meta.virtualSize, meta.blockSize, ratio);
  if (entries * 8 > batRegion.length) {
    throw new ImageError("bad-bat", `${path}: VHDX BAT region (${batRegion.length} bytes) is too small for ${entries} entries`, {
      path,
      offset: batRegion.fileOffset,
    });
  }
  checkHostRun(file, batRegion.fileOffset, entries * 8, "VHDX BAT region", path);
  if (writable && warnings.length > 0) {
    throw new RefusedError("unsafe-write", `${path}: refusing to write a damaged VHDX: ${warnings.join("; ")}. Repair it first (qemu-img check -r all)`, { path });
  }
  const map = new VhdxBatMap(file, path, batRegion.fileOffset, meta.blockSize, meta.logicalSectorSize, meta.virtualSize, () => writeSessionHeaders(file, header), [
    { name: "header section", start: 0, end: MiB },
    { name: "log", start: header.logOffset, end: header.logOffset + header.logLength },
    { name: "BAT region", start: batRegion.fileOffset, end: batRegion.fileOffset + batRegion.length },
    { name: "metadata region", start: metaRegion.fileOffset, end: metaRegion.fileOffset + metaRegion.length },
  ]);
  const device = new MappedDevice({ map, what: path, onClose, sectorSize: meta.logicalSectorSize, ...(writable ? { writer: map } : {}) });
  return { format: "vhdx", device, virtualSize: meta.virtualSize, logicalSectorSize: meta.logicalSectorSize, warnings, extraFiles: [] };
}
