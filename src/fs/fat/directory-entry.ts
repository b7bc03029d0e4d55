/**
 * 32-byte directory entries: 8.3 short entries and the VFAT long-name entries that precede
 * them in reverse order, tied to their short entry by a checksum of its 11-byte name.
 */
import { decodeLatin1, decodeUtf16le } from "../../util/byte-reader.js";
import { decodeDosDateTime } from "./dos-time.js";

export const DIR_ENTRY_SIZE = 32;

export const Attr = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeId: 0x08,
  directory: 0x10,
  archive: 0x20,
  longName: 0x0f,
} as const;

/** NT reserved byte (offset 12): 8.3 base / extension to be shown lower case. */
const NT_LOWER_BASE = 0x08;
const NT_LOWER_EXT = 0x10;
const LFN_LAST = 0x40;
const LFN_CHARS_PER_ENTRY = 13;

export interface DirEntry {
  /** Long name when a valid one precedes the entry, else the 8.3 name (NT lower-case flags applied). */
  name: string;
  shortName: string;
  attributes: number;
  isDirectory: boolean;
  isVolumeLabel: boolean;
  firstCluster: number;
  size: number;
  created?: Date;
  modified?: Date;
  /** Offset of the short entry inside the directory's bytes. */
  entryOffset: number;
}

/** Checksum of the 11-byte short name stored in each long-name entry. */
export function shortNameChecksum(name11: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + name11[i]) & 0xff;
  return sum;
}

function shortName(raw: Uint8Array, ntFlags: number): string {
  const bytes = raw.slice(0, 11);
  if (bytes[0] === 0x05) bytes[0] = 0xe5; // 0xE5 as a first character is stored as 0x05
  let base = decodeLatin1(bytes.subarray(0, 8)).replace(/ +$/, "");
  let ext = decodeLatin1(bytes.subarray(8, 11)).replace(/ +$/, "");
  if (ntFlags & NT_LOWER_BASE) base = base.toLowerCase();
  if (ntFlags & NT_LOWER_EXT) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

interface PendingLongName {
  checksum: number;
  expectedOrdinal: number;
  parts: string[];
}

function longNamePart(bytes: Uint8Array): string {
  const units = new Uint8Array(LFN_CHARS_PER_ENTRY * 2);
  units.set(bytes.subarray(1, 11), 0);
  units.set(bytes.subarray(14, 26), 10);
  units.set(bytes.subarray(28, 32), 22);
  const text = decodeUtf16le(units);
  const end = text.indexOf("\0");
  return end >= 0 ? text.slice(0, end) : text;
}

/**
 * Parses the entries of a directory's bytes, up to the first end marker. Deleted entries and
 * "." / ".." are skipped; long names whose sequence or checksum do not match are dropped
 * (the short name is used, as Windows does).
 */
export function parseDirectory(bytes: Uint8Array): DirEntry[] {
  const out: DirEntry[] = [];
  let pending: PendingLongName | undefined;
  for (let off = 0; off + DIR_ENTRY_SIZE <= bytes.length; off += DIR_ENTRY_SIZE) {
    const entryBytes = bytes.subarray(off, off + DIR_ENTRY_SIZE);
    const first = entryBytes[0];
    if (first === 0x00) break; // no entries after this one
    if (first === 0xe5) {
      pending = undefined;
      continue;
    }
    const attributes = entryBytes[11];
    if ((attributes & 0x3f) === Attr.longName) {
      const ordinal = first & 0x1f;
      if (first & LFN_LAST) {
        pending = ordinal >= 1 && ordinal <= 20 ? { checksum: entryBytes[13], expectedOrdinal: ordinal, parts: [] } : undefined;
      } else if (!pending || pending.checksum !== entryBytes[13]) {
        pending = undefined;
        continue;
      }
      if (pending && ordinal === pending.expectedOrdinal) {
        pending.parts.unshift(longNamePart(entryBytes));
        pending.expectedOrdinal--;
      } else pending = undefined;
      continue;
    }
    const longName =
      pending && pending.expectedOrdinal === 0 && pending.checksum === shortNameChecksum(entryBytes.subarray(0, 11)) ? pending.parts.join("") : undefined;
    pending = undefined;
    const view = new DataView(entryBytes.buffer, entryBytes.byteOffset, DIR_ENTRY_SIZE);
    const short = shortName(entryBytes, entryBytes[12]);
    if (short === "." || short === "..") continue;
    const isVolumeLabel = (attributes & Attr.volumeId) !== 0 && (attributes & Attr.directory) === 0;
    const entry: DirEntry = {
      name: isVolumeLabel ? decodeLatin1(entryBytes.subarray(0, 11)).replace(/ +$/, "") : (longName ?? short),
      shortName: short,
      attributes,
      isDirectory: (attributes & Attr.directory) !== 0,
      isVolumeLabel,
      firstCluster: ((view.getUint16(20, true) << 16) | view.getUint16(26, true)) >>> 0,
      size: view.getUint32(28, true),
      entryOffset: off,
    };
    const created = decodeDosDateTime(view.getUint16(16, true), view.getUint16(14, true), entryBytes[13]);
    const modified = decodeDosDateTime(view.getUint16(24, true), view.getUint16(22, true));
    if (created) entry.created = created;
    if (modified) entry.modified = modified;
    out.push(entry);
  }
  return out;
}
