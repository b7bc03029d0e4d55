/**
 * LZNT1 decompression ([MS-XCA] 2.5): independent chunks of at most 4096 output bytes, each
 * with a 16-bit header (bit 15 compressed, bits 0..11 = total chunk size including the header
 * minus 3). A compressed chunk is groups of one flag byte and eight tokens: literal byte, or a
 * 16-bit back-reference whose split between displacement and length widens as the chunk's
 * output grows. A zero header ends the data.
 */
import { NtfsError } from "../../errors.js";

const CHUNK = 4096;

/**
 * Decompresses `input` into exactly `outputSize` bytes (a compression unit); output beyond
 * what the chunks produce is zero, as NTFS defines for a short unit.
 */
export function decompressLznt1(input: Uint8Array, outputSize: number, base = 0): Uint8Array {
  const out = new Uint8Array(outputSize);
  let src = 0;
  let chunkStart = 0;
  while (src + 2 <= input.length && chunkStart < outputSize) {
    const header = input[src] | (input[src + 1] << 8);
    if (header === 0) break;
    const chunkEnd = src + (header & 0x0fff) + 3;
    if (chunkEnd > input.length) throw new NtfsError("bad-compression", `LZNT1 chunk of ${chunkEnd - src} bytes runs past the compressed data`, { offset: base + src });
    const outEnd = Math.min(chunkStart + CHUNK, outputSize);
    src += 2;
    if ((header & 0x8000) === 0) {
      const count = Math.min(chunkEnd - src, outEnd - chunkStart);
      out.set(input.subarray(src, src + count), chunkStart);
    } else {
      let dst = chunkStart;
      while (src < chunkEnd && dst < outEnd) {
        const flags = input[src++];
        for (let bit = 0; bit < 8 && src < chunkEnd && dst < outEnd; bit++) {
          if ((flags & (1 << bit)) === 0) {
            out[dst++] = input[src++];
            continue;
          }
          if (src + 2 > chunkEnd) throw new NtfsError("bad-compression", "LZNT1 back-reference is truncated", { offset: base + src });
          const token = input[src] | (input[src + 1] << 8);
          src += 2;
          let lengthBits = 12;
          for (let p = dst - chunkStart - 1; p >= 0x10; p >>= 1) lengthBits--;
          const displacement = (token >> lengthBits) + 1;
          const length = (token & ((1 << lengthBits) - 1)) + 3;
          if (displacement > dst - chunkStart) {
            throw new NtfsError("bad-compression", `LZNT1 back-reference reaches ${displacement} bytes back, before the chunk start`, { offset: base + src - 2 });
          }
          const end = Math.min(dst + length, outEnd);
          // Byte by byte: a reference may overlap the bytes it produces.
          for (; dst < end; dst++) out[dst] = out[dst - displacement];
        }
      }
    }
    src = chunkEnd;
    chunkStart += CHUNK;
  }
  return out;
}
