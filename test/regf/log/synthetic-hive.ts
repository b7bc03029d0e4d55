/** Small primaries and old-format logs built byte by byte for recovery scenarios the corpus lacks. */
import { baseBlockChecksum, writeBaseBlockChecksum } from "../../../src/regf/base-block.js";
import { emptyHbin } from "./log-builder.js";

export const TIMESTAMP = 0x01d2962712345678n;

/** A primary with `bins` empty 4096-byte hive bins and the given sequence numbers (dirty when they differ). */
export function syntheticPrimary(primarySequence: number, secondarySequence: number, bins = 1): Uint8Array {
  const hive = new Uint8Array(4096 + bins * 4096);
  const v = new DataView(hive.buffer);
  hive.set([0x72, 0x65, 0x67, 0x66]);
  v.setUint32(4, primarySequence, true);
  v.setUint32(8, secondarySequence, true);
  v.setBigUint64(12, TIMESTAMP, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, 5, true);
  v.setUint32(32, 1, true);
  v.setUint32(36, 0x20, true);
  v.setUint32(40, bins * 4096, true);
  v.setUint32(44, 1, true);
  for (let i = 0; i < bins; i++) {
    const bin = emptyHbin(i * 4096);
    if (i === 0) new DataView(bin.buffer).setBigUint64(20, TIMESTAMP, true);
    hive.set(bin, 4096 + i * 4096);
  }
  writeBaseBlockChecksum(hive);
  return hive;
}

/** An old-format log for `primary`: its base block (type 1, sequence `sequence`), the DIRT vector, the pages. */
export function buildOldLog(primary: Uint8Array, sequence: number, hbinsSize: number, pages: { hbinsOffset: number; data: Uint8Array }[]): Uint8Array {
  const bits = hbinsSize / 512;
  const vectorEnd = 512 + 4 + Math.ceil(bits / 8);
  const pagesAt = Math.ceil(vectorEnd / 512) * 512;
  const sectors = pages.flatMap((p) => Array.from({ length: p.data.length / 512 }, (_, i) => ({ offset: p.hbinsOffset + i * 512, data: p.data.subarray(i * 512, i * 512 + 512) })));
  sectors.sort((a, b) => a.offset - b.offset);
  const log = new Uint8Array(pagesAt + sectors.length * 512);
  log.set(primary.subarray(0, 512));
  const v = new DataView(log.buffer);
  v.setUint32(4, sequence, true);
  v.setUint32(8, sequence, true);
  v.setUint32(28, 1, true);
  v.setUint32(40, hbinsSize, true);
  v.setUint32(508, baseBlockChecksum(log), true);
  log.set([0x44, 0x49, 0x52, 0x54], 512);
  sectors.forEach((s, i) => {
    const bit = s.offset / 512;
    log[516 + (bit >> 3)] |= 1 << (bit & 7);
    log.set(s.data, pagesAt + i * 512);
  });
  return log;
}
