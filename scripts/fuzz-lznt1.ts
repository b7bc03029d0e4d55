/**
 * LZNT1 decompression fuzzer with a differential oracle: every mutated stream is decompressed by
 * src/fs/ntfs/lznt1.ts and by a second, separately written decoder below (from [MS-XCA] 2.5: the
 * displacement takes max(4, bit length of (position - 1)) bits of the 16-bit token). Both must
 * refuse, or both give the same bytes; only NtfsError may escape.
 *
 *   tsx scripts/fuzz-lznt1.ts [--runs N | --seconds S] [--seed S]
 */
import { NtfsError } from "../src/errors.js";
import { decompressLznt1 } from "../src/fs/ntfs/lznt1.js";
import { fuzzMain, isMainModule, OracleFailure, prng, type FuzzTarget } from "./fuzz-common.js";

/** The reference decoder: null where the stream is malformed. */
export function referenceLznt1(input: Uint8Array, outputSize: number): Uint8Array | null {
  const out = new Uint8Array(outputSize);
  let at = 0;
  for (let unit = 0; unit * 4096 < outputSize && at + 2 <= input.length; unit++) {
    const header = input[at] + input[at + 1] * 256;
    if (header === 0) break;
    const size = (header & 0xfff) + 1; // data bytes after the header
    const data = input.subarray(at + 2, at + 2 + size);
    if (at + 2 + size > input.length) return null;
    const base = unit * 4096;
    const limit = Math.min(4096, outputSize - base);
    if (!(header & 0x8000)) {
      out.set(data.subarray(0, limit), base);
    } else {
      let pos = 0;
      let i = 0;
      while (i < data.length && pos < limit) {
        const flags = data[i++];
        for (let bit = 0; bit < 8 && i < data.length && pos < limit; bit++) {
          if (!((flags >> bit) & 1)) {
            out[base + pos++] = data[i++];
            continue;
          }
          if (i + 1 >= data.length) return null;
          const token = data[i] + data[i + 1] * 256;
          i += 2;
          const displacementBits = Math.max(4, 32 - Math.clz32(pos - 1));
          const back = (token >>> (16 - displacementBits)) + 1;
          const count = (token & (0xffff >>> displacementBits)) + 3;
          if (pos === 0 || back > pos) return null;
          for (let k = 0; k < count && pos < limit; k++, pos++) out[base + pos] = out[base + pos - back];
        }
      }
    }
    at += 2 + size;
  }
  return out;
}

/** Seeds: the MS-XCA worked example, an uncompressed chunk, and streams the fuzzer's own encoder makes. */
function seeds(): Uint8Array[] {
  const example = Uint8Array.from(
    "38 b0 88 46 23 20 00 20 47 20 41 00 10 a2 47 01 a0 45 20 44 00 08 45 01 50 79 00 c0 45 20 05 24 13 88 05 b4 02 4a 44 ef 03 58 02 8c 09 16 01 48 45 00 be 00 9e 00 04 01 18 90 00".split(" ").map((h) => parseInt(h, 16)),
  );
  const raw = new Uint8Array(2 + 4096);
  raw[0] = 0xff;
  raw[1] = 0x3f; // uncompressed, 4096 data bytes
  for (let i = 0; i < 4096; i++) raw[2 + i] = (i * 7) & 0xff;
  const random = prng(5);
  // Runs of a repeated byte: a literal then long back-references at growing positions.
  const runs: number[] = [];
  let pos = 0;
  while (pos < 3000) {
    runs.push(0b11111110, Math.floor(random() * 256));
    pos++;
    for (let t = 0; t < 7; t++) {
      const bits = Math.max(4, 32 - Math.clz32(pos - 1));
      const len = Math.min(3 + Math.floor(random() * 30), (1 << (16 - bits)) + 2);
      const token = (0 << (16 - bits)) | (len - 3);
      runs.push(token & 0xff, token >> 8);
      pos += len;
    }
  }
  const header = (runs.length - 1) | 0xb000;
  return [example, raw, Uint8Array.from([header & 0xff, header >> 8, ...runs, 0, 0])];
}

export function lznt1Target(): FuzzTarget {
  return {
    name: "lznt1",
    seeds: seeds(),
    run(input) {
      const size = 4096 * (1 + (input.length % 4));
      const expected = referenceLznt1(input, size);
      let got: Uint8Array | null;
      try {
        got = decompressLznt1(input, size);
      } catch (err) {
        if (!(err instanceof NtfsError)) throw err;
        got = null;
      }
      if ((expected === null) !== (got === null)) throw new OracleFailure(`reader ${got ? "accepted" : "refused"}, the reference ${expected ? "accepted" : "refused"}`);
      if (expected && got && Buffer.compare(expected, got) !== 0) throw new OracleFailure("reader and reference decompress to different bytes");
    },
    expected: () => false,
    perInputMs: 1000,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(lznt1Target, 20000);
