/**
 * Property: for random writes through the transaction (any offsets and lengths, overlapping,
 * rewriting bytes with the same value, into allocated and unallocated qcow2 clusters), the
 * image afterwards reads exactly as the writes say, the undo file records only ranges that
 * changed, and undo gives back the original host file byte for byte.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readUndoFile, runTransaction, undoApply } from "../../src/apply/index.js";
import { openImage } from "../../src/vdisk/index.js";
import { toolsAvailable } from "../helpers/interop.js";
import { fileSha256 } from "./helpers.js";

const SIZE = 4 * 1024 * 1024;

const writesArb = fc.array(
  fc.record({
    offset: fc.nat(SIZE - 1),
    length: fc.integer({ min: 1, max: 70_000 }),
    seed: fc.integer({ min: 0, max: 255 }),
    same: fc.boolean(), // write back the bytes already there (must not become a range)
  }),
  { minLength: 1, maxLength: 6 },
);

function pristine(format: "raw" | "qcow2"): string {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-prop-"));
  const raw = join(dir, "base.img");
  // Half the disk holds data, half is zeros (unallocated once converted to qcow2).
  const bytes = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE / 2; i++) bytes[i] = (i * 131 + 7) & 0xff;
  writeFileSync(raw, bytes);
  if (format === "raw") return raw;
  const out = join(dir, "base.qcow2");
  expect(spawnSync("qemu-img", ["convert", "-O", "qcow2", raw, out]).status).toBe(0);
  return out;
}

function readVirtual(path: string): Buffer {
  const image = openImage(path);
  try {
    return Buffer.from(image.device.read(0, image.device.size));
  } finally {
    image.close();
  }
}

describe.each(toolsAvailable("qemu-img") ? (["raw", "qcow2"] as const) : (["raw"] as const))("random writes through the transaction (%s)", (format) => {
  it("read back as written; undo restores the host file", () => {
    const base = pristine(format);
    const originalSha = fileSha256(base);
    const originalVirtual = readVirtual(base);
    fc.assert(
      fc.property(writesArb, (writes) => {
        const dir = mkdtempSync(join(tmpdir(), "p2vfix-prop-run-"));
        const path = join(dir, `disk.${format}`);
        copyFileSync(base, path);
        const expected = Buffer.from(originalVirtual);
        const report = runTransaction(path, (image) => {
          for (const w of writes) {
            const length = Math.min(w.length, SIZE - w.offset);
            const data = w.same ? expected.subarray(w.offset, w.offset + length) : Buffer.from(Array.from({ length }, (_, i) => (w.seed + i * 7) & 0xff));
            const copy = new Uint8Array(data);
            image.device.write(w.offset, copy);
            expected.set(copy, w.offset);
          }
          return { changes: ["random writes"], verify: (fresh) => expect(Buffer.from(fresh.device.read(0, SIZE)).equals(expected)).toBe(true), result: undefined };
        });
        expect(readVirtual(path).equals(expected)).toBe(true);
        if (report.undoFile) {
          const undo = readUndoFile(report.undoFile);
          const original = readFileSync(base);
          for (const f of undo.header.files) {
            for (const r of f.ranges) {
              const before = Buffer.from(undo.before(r));
              // A recorded range always changes something.
              const now = readFileSync(path).subarray(r.offset, r.offset + r.length);
              expect(before.equals(now.subarray(0, before.length)) && before.length === r.length).toBe(false);
              expect(before.equals(original.subarray(r.offset, r.offset + r.beforeLength))).toBe(true);
            }
          }
          undoApply(path);
        } else {
          expect(expected.equals(originalVirtual)).toBe(true);
        }
        expect(fileSha256(path)).toBe(originalSha);
      }),
      { numRuns: 12 },
    );
  });
});
