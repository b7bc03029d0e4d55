/**
 * The SHA-256 of each changed range's new bytes (the undo file's `sha256After`), as the change
 * map feeds them: piece by piece, read into buffers the hasher hands out, digests collected when
 * the map is done. Inline here; write-worker.ts does the same on a second thread, where a large
 * change gains the hashing's wall time (the CLI is synchronous, the machine has a second core).
 */
import { createHash, type Hash } from "node:crypto";

/** Bytes per piece: the change map reads this much at a time; memory stays a few of these. */
export const HASH_PIECE = 1 << 20;

export interface RangeHasher {
  /**
   * A buffer of HASH_PIECE bytes to read the next piece of new bytes into. The bytes of the
   * piece handed out before may still be being hashed: the caller writes only into this one.
   */
  nextPiece(): Uint8Array;
  /** Adds bytes of the open range; a view into the buffer nextPiece() gave last. */
  update(bytes: Uint8Array): void;
  /** Closes the open range (possibly empty): `done` gets its digest in hex, now or by settle(). */
  finish(done: (hex: string) => void): void;
  /** Returns once every finish() has called its `done`. */
  settle(): void;
  /** Lets go of buffers and threads; settle() before, if the digests are wanted. */
  close(): void;
}

/** Hashes on the calling thread, one buffer for every piece. */
export function inlineHasher(): RangeHasher {
  const piece = new Uint8Array(HASH_PIECE);
  let hash: Hash | undefined;
  return {
    nextPiece: () => piece,
    update(bytes) {
      (hash ??= createHash("sha256")).update(bytes);
    },
    finish(done) {
      const digest = (hash ?? createHash("sha256")).digest("hex");
      hash = undefined;
      done(digest);
    },
    settle() {},
    close() {},
  };
}
