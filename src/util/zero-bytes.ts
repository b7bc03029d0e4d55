/**
 * All-zero byte runs: checked and produced with one shared buffer of zeros, compared with memcmp
 * (Buffer.equals), never a per-byte loop. The undo format (version 2) stores a range of a fresh
 * image's free clusters (tens of MiB of zeros) as a flag; a VHDX log GUID and the tail of a
 * regf log are tested the same way.
 */

/** Size of the shared zero buffer: runs longer than this go by in pieces, memory stays this size. */
export const ZERO_PIECE = 1 << 20;

let shared: Buffer | undefined;

/** `length` (at most ZERO_PIECE) zero bytes from the shared buffer: read them, never write into them. */
export function zeros(length: number): Uint8Array {
  if (length > ZERO_PIECE) throw new RangeError(`${length} zero bytes asked for, at most ${ZERO_PIECE} at a time`);
  shared ??= Buffer.alloc(ZERO_PIECE);
  return shared.subarray(0, length);
}

/** Whether every byte is zero. */
export function isAllZeroBytes(bytes: Uint8Array): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < view.length; at += ZERO_PIECE) {
    const piece = view.subarray(at, Math.min(view.length, at + ZERO_PIECE));
    if (!piece.equals(zeros(piece.length))) return false;
  }
  return true;
}

/** Calls `use` with `length` zero bytes in order, in pieces of at most ZERO_PIECE. */
export function forEachZeroPiece(length: number, use: (bytes: Uint8Array) => void): void {
  for (let at = 0; at < length; at += ZERO_PIECE) use(zeros(Math.min(ZERO_PIECE, length - at)));
}
