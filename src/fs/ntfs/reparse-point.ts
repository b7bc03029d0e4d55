/**
 * $REPARSE_POINT (0xC0): a tag saying which filter owns the file. The one that matters for
 * reading is WOF (Windows Overlay Filter, Windows 10 CompactOS / `compact /exe`): the file's
 * real content is XPRESS/LZX-compressed in the "WofCompressedData" stream and its unnamed
 * $DATA is not the content. (libfsntfs, "Reparse point attribute"; Microsoft
 * "Reparse Tags", IO_REPARSE_TAG_WOF = 0x80000017.)
 */
import { ntfsReader } from "./ntfs-reader.js";

export const ReparseTag = {
  mountPoint: 0xa0000003,
  symlink: 0xa000000c,
  dedup: 0x80000013,
  wof: 0x80000017,
} as const;

export interface ReparsePoint {
  tag: number;
  data: Uint8Array;
}

export function parseReparsePoint(value: Uint8Array, base = 0): ReparsePoint {
  const byteReader = ntfsReader(value, base);
  const tag = byteReader.u32(0);
  const length = byteReader.u16(4);
  return { tag, data: byteReader.slice(8, Math.min(length, value.length - 8)) };
}
