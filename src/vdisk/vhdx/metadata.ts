/**
 * VHDX metadata region: a 64 KiB table ("metadata", entry count, 32-byte entries) followed by
 * the items it points to. p2vfix needs file parameters (block size, has-parent), virtual disk
 * size and logical sector size; a parent locator or an unknown required item is refused.
 * Source: MS-VHDX 2.6 "Metadata Region".
 */
import { ImageError } from "../../errors.js";
import type { ByteReader } from "../../util/byte-reader.js";
import { guidToString, isPowerOfTwo } from "../util.js";

export const METADATA_TABLE_SIZE = 64 * 1024;
const MAX_ENTRIES = 2047;

export const MetadataGuid = {
  fileParameters: "CAA16737-FA36-4D43-B3B6-33F0AA44E76B",
  virtualDiskSize: "2FA54224-CD1B-4876-B211-5DBED83BF4B8",
  virtualDiskId: "BECA12AB-B2E6-4523-93EF-C309E000C746",
  logicalSectorSize: "8141BF1D-A96F-4709-BA47-F233A8FAAB5F",
  physicalSectorSize: "CDA348C7-445D-4471-9CC9-E9885251C556",
  parentLocator: "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C",
} as const;
const KNOWN = new Set<string>(Object.values(MetadataGuid));

export interface VhdxMetadata {
  blockSize: number;
  leaveBlocksAllocated: boolean;
  hasParent: boolean;
  virtualSize: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
}

/** `r` covers the whole metadata region; offsets in errors are absolute. */
export function parseMetadata(byteReader: ByteReader, path: string): VhdxMetadata {
  const fail = (code: string, message: string, at = 0) => new ImageError(code, `${path}: ${message}`, { path, offset: byteReader.base + at });
  if (byteReader.length < METADATA_TABLE_SIZE || byteReader.ascii(0, 8) !== "metadata") throw fail("bad-signature", 'VHDX metadata table has no "metadata" signature');
  const count = byteReader.u16(10);
  if (count > MAX_ENTRIES) throw fail("bad-metadata", `VHDX metadata table has ${count} entries (max ${MAX_ENTRIES})`, 10);
  const items = new Map<string, ByteReader>();
  for (let i = 0; i < count; i++) {
    const at = 32 + i * 32;
    const guid = guidToString(byteReader.slice(at, 16));
    const offset = byteReader.u32(at + 16);
    const length = byteReader.u32(at + 20);
    const required = (byteReader.u32(at + 24) & 4) !== 0;
    if (guid === MetadataGuid.parentLocator) {
      throw new ImageError("unsupported-differencing", `${path}: differencing VHDX (has a parent locator) is not supported`, { path });
    }
    if (!KNOWN.has(guid)) {
      if (required) throw fail("unsupported-metadata", `VHDX has an unknown required metadata item ${guid}`, at);
      continue;
    }
    if (length === 0) continue;
    if (offset < METADATA_TABLE_SIZE) throw fail("bad-metadata", `VHDX metadata item ${guid} overlaps the table`, at + 16);
    items.set(guid, byteReader.sub(offset, length, `VHDX metadata item ${guid}`));
  }
  const need = (guid: string, name: string, size: number): ByteReader => {
    const item = items.get(guid);
    if (!item) throw fail("bad-metadata", `VHDX metadata lacks the ${name} item`);
    item.check(0, size, `VHDX ${name}`);
    return item;
  };
  const params = need(MetadataGuid.fileParameters, "file parameters", 8);
  const blockSize = params.u32(0);
  const flags = params.u32(4);
  const virtualSize = need(MetadataGuid.virtualDiskSize, "virtual disk size", 8).u64(0);
  const logicalSectorSize = need(MetadataGuid.logicalSectorSize, "logical sector size", 4).u32(0);
  const physicalItem = items.get(MetadataGuid.physicalSectorSize);
  const physicalSectorSize = physicalItem ? physicalItem.u32(0) : logicalSectorSize;
  if (!isPowerOfTwo(blockSize) || blockSize < 2 ** 20 || blockSize > 2 ** 28) {
    throw fail("bad-block-size", `VHDX block size ${blockSize} is not a power of two in 1..256 MiB`, params.base - byteReader.base);
  }
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) {
    throw fail("bad-sector-size", `VHDX logical sector size ${logicalSectorSize} is neither 512 nor 4096`);
  }
  if (virtualSize === 0 || virtualSize % logicalSectorSize !== 0 || virtualSize > 64 * 2 ** 40) {
    throw fail("bad-size", `VHDX virtual size ${virtualSize} is not a multiple of ${logicalSectorSize} up to 64 TiB`);
  }
  return {
    blockSize,
    leaveBlocksAllocated: (flags & 1) !== 0,
    hasParent: (flags & 2) !== 0,
    virtualSize,
    logicalSectorSize,
    physicalSectorSize,
  };
}
