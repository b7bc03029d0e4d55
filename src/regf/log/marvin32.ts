/**
 * Marvin32: the keyed 64-bit hash Windows uses to protect new-format (HvLE) log entries.
 * The regf specification gives the seed for log entries as "82 EF 4D 88 7A 4E 55 C5": that is the
 * 64-bit number 0x82EF4D887A4E55C5 written most significant byte first, so the low lane is
 * 0x7A4E55C5 and the high lane 0x82EF4D88 (checked against entries Windows wrote: reading the
 * bytes as little-endian gives hashes that match no real log).
 *
 * The state is two 32-bit lanes; each 4-byte little-endian word is added to the low lane and
 * mixed by four add/xor/rotate rounds; the tail is padded with a 0x80 marker byte and mixed
 * twice. The result is high lane << 32 | low lane.
 */

/** Seed for HvLE entries, as two 32-bit lanes (low, high). */
export const LOG_ENTRY_SEED_LOW = 0x7a4e55c5;
export const LOG_ENTRY_SEED_HIGH = 0x82ef4d88;

const rotl = (value: number, bits: number): number => ((value << bits) | (value >>> (32 - bits))) >>> 0;

/** The two lanes after hashing, kept separate so callers compare with the stored 64-bit field without bigint. */
export interface Marvin32Hash {
  low: number;
  high: number;
}

export function marvin32(data: Uint8Array, seedLow = LOG_ENTRY_SEED_LOW, seedHigh = LOG_ENTRY_SEED_HIGH): Marvin32Hash {
  let p0 = seedLow >>> 0;
  let p1 = seedHigh >>> 0;
  const mix = (): void => {
    p1 = (p1 ^ p0) >>> 0;
    p0 = rotl(p0, 20);
    p0 = (p0 + p1) >>> 0;
    p1 = rotl(p1, 9);
    p1 = (p1 ^ p0) >>> 0;
    p0 = rotl(p0, 27);
    p0 = (p0 + p1) >>> 0;
    p1 = rotl(p1, 19);
  };
  const length = data.length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    p0 = (p0 + (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24))) >>> 0;
    mix();
  }
  let tail = 0x80;
  for (let i = length - 1; i >= whole; i--) tail = ((tail << 8) | data[i]) >>> 0;
  p0 = (p0 + tail) >>> 0;
  mix();
  mix();
  return { low: p0, high: p1 };
}
