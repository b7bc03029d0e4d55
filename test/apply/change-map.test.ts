import fc from "fast-check";
import { createHash } from "node:crypto";
import { mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MERGE_GAP, measureChanges } from "../../src/apply/change-map.js";
import { FileDevice } from "../../src/io/file-device.js";
import { SpoolOverlayDevice, spoolFile } from "../../src/io/spool-overlay-device.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-change-map-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
let n = 0;

/** The ranges measured for `writes` over a file of `original`, with the blob `keep` received. */
function measure(original: Uint8Array, writes: Array<{ offset: number; data: Uint8Array }>) {
  const path = join(dir, `base-${n++}`);
  writeFileSync(path, original);
  const base = new FileDevice(path);
  const overlay = new SpoolOverlayDevice(base, () => {
    const spool = join(dir, `spool-${n++}`);
    return spoolFile(openSync(spool, "wx+", 0o600), () => unlinkSync(spool));
  });
  const model = original.slice();
  for (const w of writes) {
    overlay.write(w.offset, w.data);
    model.set(w.data, w.offset);
  }
  const kept: Uint8Array[] = [];
  const blob = createHash("sha256");
  const ranges = measureChanges(base, overlay, blob, (b) => kept.push(b.slice()));
  overlay.dispose();
  base.close();
  return { ranges, model, blob: Buffer.concat(kept), blobSha: blob.digest("hex") };
}

describe("measureChanges", () => {
  it("every changed byte lies in a range; each range's hashes and before bytes are right; ranges are apart by MERGE_GAP at least", () => {
    const SIZE = 64 * 1024;
    fc.assert(
      fc.property(fc.array(fc.record({ offset: fc.nat(SIZE - 1), data: fc.uint8Array({ minLength: 1, maxLength: 9000, size: "max" }) }), { maxLength: 12 }), (raw) => {
        const original = new Uint8Array(SIZE).map((_, i) => (i * 13) & 0xff);
        const writes = raw.map((w) => ({ offset: w.offset, data: w.data.subarray(0, SIZE - w.offset) }));
        const { ranges, model, blob, blobSha } = measure(original, writes);
        const covered = new Uint8Array(SIZE);
        let blobAt = 0;
        ranges.forEach((r, i) => {
          covered.fill(1, r.offset, r.offset + r.length);
          expect(r.beforeLength).toBe(r.length);
          expect(r.sha256Before).toBe(sha(original.subarray(r.offset, r.offset + r.length)));
          expect(r.sha256After).toBe(sha(model.subarray(r.offset, r.offset + r.length)));
          expect(Buffer.from(blob.subarray(blobAt, blobAt + r.length)).equals(Buffer.from(original.subarray(r.offset, r.offset + r.length)))).toBe(true);
          blobAt += r.length;
          if (i > 0) expect(r.offset - (ranges[i - 1].offset + ranges[i - 1].length)).toBeGreaterThanOrEqual(MERGE_GAP);
        });
        expect(blobAt).toBe(blob.length);
        expect(blobSha).toBe(sha(blob));
        for (let i = 0; i < SIZE; i++) if (model[i] !== original[i] && !covered[i]) expect.fail(`byte ${i} changed outside every range`);
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it("a file of sparse records written over zeros is one range, not one per changed sector", () => {
    const data = new Uint8Array(4 << 20);
    for (let at = 0; at < data.length; at += 4096) data[at] = 1;
    const { ranges } = measure(new Uint8Array(8 << 20), [{ offset: 1 << 20, data }]);
    expect(ranges.map((r) => [r.offset, r.length])).toEqual([[1 << 20, (4 << 20) - 4096 + 512]]);
  });
});
