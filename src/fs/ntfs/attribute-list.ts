/**
 * $ATTRIBUTE_LIST (0x20): where a file's attributes live when they do not fit one MFT record.
 * Entry: type u32 @0, length u16 @4, name length @6, name offset @7, lowest VCN u64 @8,
 * file reference u64 @16, attribute id u16 @24, name. (libfsntfs, "Attribute list".)
 */
import { NtfsError } from "../../errors.js";
import { fileReferenceAt, type FileReference } from "./mft-record.js";
import { ntfsReader } from "./ntfs-reader.js";

export interface AttributeListEntry {
  type: number;
  name: string;
  lowestVcn: number;
  reference: FileReference;
  id: number;
}

export function parseAttributeList(value: Uint8Array, base = 0): AttributeListEntry[] {
  const byteReader = ntfsReader(value, base);
  const entries: AttributeListEntry[] = [];
  let pos = 0;
  // Each entry is at least 26 bytes, so this ends after value.length / 26 steps.
  while (pos + 26 <= value.length) {
    const type = byteReader.u32(pos);
    const length = byteReader.u16(pos + 4);
    if (length < 26 || pos + length > value.length) {
      if (type === 0 && length === 0) break; // zero padding after the last entry
      throw new NtfsError("bad-attribute-list", `attribute list entry has invalid length ${length}`, { offset: base + pos + 4 });
    }
    const nameLength = byteReader.u8(pos + 6);
    const nameOffset = byteReader.u8(pos + 7);
    const name = nameLength > 0 ? byteReader.sub(pos, length).utf16(nameOffset, nameLength * 2) : "";
    entries.push({
      type,
      name,
      lowestVcn: Number(byteReader.u64big(pos + 8)),
      reference: fileReferenceAt(byteReader, pos + 16),
      id: byteReader.u16(pos + 24),
    });
    pos += length;
  }
  return entries;
}
