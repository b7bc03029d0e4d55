/**
 * Builds new-format log files for tests the way Windows lays them out (base block sector, then
 * HvLE entries with Marvin32 hashes), so scenarios the corpus lacks (growth, hostile sizes,
 * torn entries) are tested on realistic bytes.
 */
import { baseBlockChecksum } from "../../../src/regf/base-block.js";
import { marvin32 } from "../../../src/regf/log/marvin32.js";

export interface BuiltEntry {
  sequence: number;
  hiveBinsDataSize: number;
  flags?: number;
  pages: { hbinsOffset: number; data: Uint8Array }[];
}

export function buildHvleEntry(e: BuiltEntry): Uint8Array {
  const pagesBytes = e.pages.reduce((n, p) => n + p.data.length, 0);
  const raw = 40 + 8 * e.pages.length + pagesBytes;
  const size = Math.ceil(raw / 512) * 512;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set([0x48, 0x76, 0x4c, 0x45], 0);
  v.setUint32(4, size, true);
  v.setUint32(8, e.flags ?? 0, true);
  v.setUint32(12, e.sequence, true);
  v.setUint32(16, e.hiveBinsDataSize, true);
  v.setUint32(20, e.pages.length, true);
  let at = 40 + 8 * e.pages.length;
  e.pages.forEach((p, i) => {
    v.setUint32(40 + 8 * i, p.hbinsOffset, true);
    v.setUint32(44 + 8 * i, p.data.length, true);
    out.set(p.data, at);
    at += p.data.length;
  });
  const h1 = marvin32(out.subarray(40));
  v.setUint32(24, h1.low, true);
  v.setUint32(28, h1.high, true);
  const h2 = marvin32(out.subarray(0, 32));
  v.setUint32(32, h2.low, true);
  v.setUint32(36, h2.high, true);
  return out;
}

/** A log file: the first sector of `primaryBaseBlock` turned into a type-6 log base block, then the entries. */
export function buildNewLog(primaryBaseBlock: Uint8Array, sequence: number, entries: Uint8Array[]): Uint8Array {
  const total = 512 + entries.reduce((n, e) => n + e.length, 0);
  const out = new Uint8Array(total);
  out.set(primaryBaseBlock.subarray(0, 512));
  const v = new DataView(out.buffer);
  v.setUint32(4, sequence, true);
  v.setUint32(8, sequence, true);
  v.setUint32(28, 6, true);
  v.setUint32(508, baseBlockChecksum(out), true);
  let at = 512;
  for (const e of entries) {
    out.set(e, at);
    at += e.length;
  }
  return out;
}

/** An empty hive bin of `size` bytes at `offset` (one free cell filling it). */
export function emptyHbin(offset: number, size = 4096): Uint8Array {
  const bin = new Uint8Array(size);
  const v = new DataView(bin.buffer);
  bin.set([0x68, 0x62, 0x69, 0x6e], 0);
  v.setUint32(4, offset, true);
  v.setUint32(8, size, true);
  v.setInt32(32, size - 32, true);
  return bin;
}
