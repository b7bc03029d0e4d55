/**
 * What an overlay really changes in its host file, measured piece by piece without holding the
 * bytes: the written stretches cut down to the 512-byte sectors whose bytes differ from the file
 * (a rewritten hive is mostly the same bytes; gaps under MERGE_GAP bridged), plus everything
 * past the original end, each with the SHA-256 of its bytes before and after. Before bytes exist only inside the original size;
 * `keep` gets them in order (the undo file's blob, written in the same pass), except those of a
 * range whose before bytes are all zero (a fresh image's free clusters): such a range is
 * `zeroBefore`, neither hashed nor kept.
 */
import { createHash, type Hash } from "node:crypto";
import type { FileDevice } from "../io/file-device.js";
import type { SpoolOverlayDevice } from "../io/spool-overlay-device.js";
import type { MeasuredRange } from "./undo-file.js";
import { forEachZeroPiece, isAllZeroBytes } from "../util/zero-bytes.js";

/** Granularity of the change map: ranges are cut to the 512-byte sectors whose bytes really change. */
export const DIFF_UNIT = 512;
/**
 * Changed sectors closer than this are one range, the unchanged bytes between them included
 * (restoring them writes what is there): data written over mostly equal bytes, such as a file
 * of sparse records over zeros, stays a few ranges instead of one per changed sector, each of
 * which costs two hashes and a header entry.
 */
export const MERGE_GAP = 4096;
/**
 * Bytes compared per read: memory stays this size whatever the change, and both pieces stay in
 * the CPU's L2 cache for the compare and the hash (reading and comparing 40 MiB took ~5 ms in
 * 256 KiB pieces, ~9 in 1 MiB ones).
 */
const PIECE = 256 * 1024;

/**
 * The changed ranges of `overlay` against `base`, in offset order; `keep` is fed every stored
 * range's before bytes in order.
 */
export function measureChanges(
  base: FileDevice,
  overlay: SpoolOverlayDevice,
  keep?: (before: Uint8Array) => void,
  /** The overlay's stretches, when the caller has them already (sorting its pages costs a few ms for a large copy). */
  stretches = overlay.stretches(),
): MeasuredRange[] {
  const out: MeasuredRange[] = [];
  /** The open range; `before` stays unset while its before bytes are all zero (nothing hashed or kept yet). */
  let run: { offset: number; length: number; beforeLength: number; before?: Hash; after: Hash } | undefined;
  const close = () => {
    if (!run) return;
    const sha256After = run.after.digest("hex");
    if (!run.before && run.beforeLength > 0) out.push({ offset: run.offset, length: run.length, beforeLength: run.beforeLength, zeroBefore: true, sha256After });
    else out.push({ offset: run.offset, length: run.length, beforeLength: run.beforeLength, sha256Before: (run.before ?? createHash("sha256")).digest("hex"), sha256After });
    run = undefined;
  };
  /** Adds bytes [from, to) of the current piece to the open run (starting one at `from` if none). */
  const extend = (from: number, to: number, piece: number, after: Uint8Array, before: Uint8Array, insideEnd: number) => {
    run ??= { offset: from, length: 0, beforeLength: 0, after: createHash("sha256") };
    run.after.update(after.subarray(from - piece, to - piece));
    run.length += to - from;
    const beforeTo = Math.min(to, insideEnd);
    if (beforeTo > from) {
      // A run reaching past the original end goes on there; its bytes past the end have no before.
      const bytes = before.subarray(from - piece, beforeTo - piece);
      if (!run.before && !isAllZeroBytes(bytes)) {
        // The first non-zero before byte: the zeros seen so far are hashed and kept after all.
        const hash = createHash("sha256");
        forEachZeroPiece(run.beforeLength, (zeros) => {
          hash.update(zeros);
          keep?.(zeros);
        });
        run.before = hash;
      }
      if (run.before) {
        run.before.update(bytes);
        keep?.(bytes);
      }
      run.beforeLength += bytes.length;
    }
  };
  // Two buffers for the whole walk: the hashes and `keep` consume each piece before the next read.
  const afterBuffer = new Uint8Array(PIECE);
  const beforeBuffer = new Uint8Array(PIECE);
  for (const stretch of stretches) {
    const end = stretch.offset + stretch.length;
    for (let piece = stretch.offset; piece < end; piece += PIECE) {
      const pieceEnd = Math.min(end, piece + PIECE);
      const after = afterBuffer.subarray(0, pieceEnd - piece);
      overlay.readInto(piece, after, 0, after.length);
      const insideEnd = Math.max(piece, Math.min(pieceEnd, base.size));
      const before = beforeBuffer.subarray(0, Math.max(0, insideEnd - piece));
      if (before.length > 0) base.readInto(piece, before, 0, before.length);
      const spans = changedSpans(after, before, piece, pieceEnd, insideEnd);
      // A run left open by the previous piece goes on into a span starting within MERGE_GAP.
      if (run && spans.length > 0 && spans[0][0] - piece < MERGE_GAP) spans[0][0] = piece;
      else close();
      // The last span stays open across the piece's end when little is left of it (another piece follows).
      const last = spans[spans.length - 1];
      if (last && pieceEnd < end && pieceEnd - last[1] < MERGE_GAP) last[1] = pieceEnd;
      spans.forEach(([from, to], i) => {
        if (i > 0) close();
        extend(from, to, piece, after, before, insideEnd);
      });
      if (last && last[1] < pieceEnd) close();
    }
    close();
  }
  close();
  return out;
}

/**
 * The changed spans of whole sectors in one piece (`after` and `before` hold its bytes from
 * `piece` on; `before` ends at `insideEnd`, the original end), with the unchanged stretches
 * shorter than MERGE_GAP between them taken in: one hash update each. A function of its own so
 * that V8 optimises this loop early: inside measureChanges it waited behind the whole function
 * (TurboFan took ~70 ms of a busy second core to compile it, after the measure was over).
 */
function changedSpans(after: Uint8Array, before: Uint8Array, piece: number, pieceEnd: number, insideEnd: number): Array<[number, number]> {
  const buffer = Buffer.from(after.buffer, after.byteOffset, after.byteLength);
  const beforeBytes = Buffer.from(before.buffer, before.byteOffset, before.byteLength);
  // The same bytes as 32-bit words: a sector whose first word differs is changed without a call
  // to memcmp. New data over a fresh image's zeros differs there nearly always, and the 2,048
  // Buffer.compare calls per MiB cost ~9 ms of a 40 MiB copy where this costs ~0.2.
  const afterWords = new Int32Array(after.buffer, after.byteOffset, after.byteLength >> 2);
  const beforeWords = new Int32Array(before.buffer, before.byteOffset, before.byteLength >> 2);
  const spans: Array<[number, number]> = [];
  // Bytes compared in one call inside an unchanged stretch: doubled while they keep matching,
  // so zeros written over zeros (a file with holes, a fresh image's free space) cost a few
  // compares per piece instead of one per sector (the copy-in bench's 40 MiB file is 7/8 zeros).
  let unchangedSpan = DIFF_UNIT;
  for (let at = piece; at < pieceEnd; ) {
    const inside = at < insideEnd;
    const next = Math.min(inside ? insideEnd : pieceEnd, (Math.floor(at / DIFF_UNIT) + 1) * DIFF_UNIT);
    const from = at - piece;
    // Past the original end there is no before word: such a sector is changed whatever it holds.
    if (inside && !((from & 3) === 0 && next - at >= 4 && afterWords[from >> 2] !== beforeWords[from >> 2])) {
      const spanEnd = Math.min(insideEnd, at + unchangedSpan);
      if (spanEnd > next && buffer.compare(beforeBytes, from, spanEnd - piece, from, spanEnd - piece) === 0) {
        at = spanEnd;
        unchangedSpan *= 2;
        continue;
      }
      if (buffer.compare(beforeBytes, from, next - piece, from, next - piece) === 0) {
        at = next;
        unchangedSpan = 2 * DIFF_UNIT;
        continue;
      }
    }
    unchangedSpan = DIFF_UNIT;
    const last = spans[spans.length - 1];
    if (last && at - last[1] < MERGE_GAP) last[1] = next;
    else spans.push([at, next]);
    at = next;
  }
  return spans;
}
