import fc from "fast-check";
import { mkdtempSync, openSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryDevice } from "../../src/io/index.js";
import { SpoolOverlayDevice, spoolFile } from "../../src/io/spool-overlay-device.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-spool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let spools = 0;
function openSpool() {
  const path = join(dir, `spool-${spools++}`);
  const fd = openSync(path, "wx+", 0o600);
  return spoolFile(fd, () => unlinkSync(path));
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

const SIZE = 40 * 1024 + 300;
const op = fc.oneof(
  fc.record({ kind: fc.constant("write" as const), offset: fc.nat(SIZE - 1), data: fc.uint8Array({ minLength: 1, maxLength: 20_000, size: "max" }) }),
  fc.record({ kind: fc.constant("resize" as const), size: fc.integer({ min: 1000, max: SIZE + 9000 }) }),
);

describe("SpoolOverlayDevice", () => {
  it("page buffers are reused: thousands of small writes over spilled and held pages carve one slab, not one page each", () => {
    const original = new Uint8Array(64 * 4096).map((_, i) => (i * 11) & 0xff);
    const base = new MemoryDevice(original.slice());
    const overlay = new SpoolOverlayDevice(base, openSpool, 4, 16);
    const model = original.slice();
    try {
      for (let i = 0; i < 3000; i++) {
        const offset = ((i * 7919) % 40) * 4096 + (i % 4000);
        const data = new Uint8Array([i & 0xff, (i >> 8) & 0xff, 0x5a]);
        overlay.write(offset, data);
        model.set(data, offset);
      }
      expect(same(overlay.read(0, model.length), model)).toBe(true);
      expect(overlay.stagedBytes.spooled).toBeGreaterThan(0);
      expect(overlay.pageBufferBytes).toBe(256 * 4096);
    } finally {
      overlay.dispose();
    }
  });

  it("reads like a plain device after any writes and resizes, pages spilled to the spool or not; the base is never touched", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 8 }), (ops, budget, direct) => {
        const original = new Uint8Array(SIZE).map((_, i) => (i * 7) & 0xff);
        const base = new MemoryDevice(original.slice());
        const overlay = new SpoolOverlayDevice(base, openSpool, budget, direct);
        let model = original.slice();
        let smallest = SIZE;
        for (const o of ops) {
          if (o.kind === "write") {
            const data = o.data.subarray(0, Math.max(0, model.length - o.offset));
            if (o.offset >= model.length) continue;
            overlay.write(o.offset, data);
            model.set(data, o.offset);
          } else {
            overlay.resize(o.size);
            smallest = Math.min(smallest, o.size);
            const next = new Uint8Array(o.size);
            next.set(model.subarray(0, Math.min(o.size, model.length)));
            model = next;
          }
          expect(overlay.stagedBytes.memory).toBeLessThanOrEqual(budget * 4096);
        }
        expect(overlay.size).toBe(model.length);
        expect(same(overlay.read(0, model.length), model)).toBe(true);
        // Odd windows across page and spool-slot boundaries.
        for (const [at, n] of [[1, 5000], [4095, 8194], [model.length - 3, 3]]) {
          if (at < 0 || at + n > model.length) continue;
          expect(same(overlay.read(at, n), model.subarray(at, at + n))).toBe(true);
          // Into a used buffer at an offset: every byte of the window set, none around it.
          const target = new Uint8Array(n + 8).fill(0xaa);
          overlay.readInto(at, target, 3, n);
          expect(same(target.subarray(3, 3 + n), model.subarray(at, at + n))).toBe(true);
          expect([...target.subarray(0, 3), ...target.subarray(3 + n)].every((b) => b === 0xaa)).toBe(true);
        }
        // Every byte inside the base that was written to something new lies in a stretch.
        const covered = new Uint8Array(model.length);
        for (const s of overlay.stretches()) covered.fill(1, s.offset, s.offset + s.length);
        for (let i = 0; i < Math.min(model.length, smallest); i++) if (model[i] !== original[i] && !covered[i]) expect.fail(`byte ${i} changed outside every stretch`);
        expect(same(base.bytes, original)).toBe(true);
        overlay.dispose();
      }),
      { numRuns: 80, endOnFailure: true },
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("spills past its budget: memory stays at the budget while the bytes staged grow", () => {
    const base = new MemoryDevice(new Uint8Array(1 << 20));
    const overlay = new SpoolOverlayDevice(base, openSpool, 8);
    const data = new Uint8Array(1 << 20).map((_, i) => (i >> 12) + 1);
    overlay.write(0, data);
    expect(overlay.stagedBytes.memory).toBeLessThanOrEqual(8 * 4096);
    expect(overlay.stagedBytes.spooled).toBeGreaterThanOrEqual((1 << 20) - 8 * 4096);
    expect(same(overlay.read(0, 1 << 20), data)).toBe(true);
    overlay.dispose();
  });
});
