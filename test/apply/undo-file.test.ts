import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUndoFile, encodeUndoFile, parseProcLocks, sha256 } from "../../src/apply/index.js";
import { deviceNumbers } from "../../src/apply/locks.js";
import { ImageError } from "../../src/errors.js";

const identity = { path: "/images/disk.img", size: 1 << 20, mtimeMs: 1700000000000.5, dev: 65024, ino: 2147129 };

function sample() {
  return encodeUndoFile({
    image: identity,
    changes: ["disk.img:partition 1:Windows/System32/config/SYSTEM"],
    createdAt: new Date("2025-01-01T00:00:00Z"),
    files: [
      {
        path: "/images/disk.img",
        originalSize: 1 << 20,
        newSize: (1 << 20) + 4096,
        ranges: [
          { offset: 512, before: new Uint8Array(512).fill(1), after: new Uint8Array(512).fill(2) },
          // Straddles the original end: only the first 256 bytes existed before.
          { offset: (1 << 20) - 256, before: new Uint8Array(256).fill(3), after: new Uint8Array(4352).fill(4) },
        ],
      },
    ],
  });
}

describe("undo file format", () => {
  it("round-trips ranges, sizes, SHA-256 and the original bytes", () => {
    const undo = decodeUndoFile(sample());
    expect(new TextDecoder().decode(sample().subarray(0, 8))).toBe("P2VUNDO1");
    expect(undo.header.image).toEqual(identity);
    const [a, b] = undo.header.files[0].ranges;
    expect(a).toMatchObject({ offset: 512, length: 512, beforeLength: 512, sha256Before: sha256(new Uint8Array(512).fill(1)), sha256After: sha256(new Uint8Array(512).fill(2)) });
    expect(b).toMatchObject({ length: 4352, beforeLength: 256 });
    expect(Array.from(undo.before(a)).every((x) => x === 1)).toBe(true);
    expect(Array.from(undo.before(b)).every((x) => x === 3)).toBe(true);
    expect(undo.header.files[0].newSize).toBe((1 << 20) + 4096);
  });

  it("a truncated or damaged undo file is rejected with a typed error", () => {
    const bytes = sample();
    expect(() => decodeUndoFile(bytes.subarray(0, bytes.length - 1))).toThrow(ImageError);
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 1; // original data no longer matches its SHA-256
    expect(() => decodeUndoFile(flipped)).toThrow(/damaged/);
    expect(() => decodeUndoFile(new Uint8Array(4))).toThrow(/not a p2vfix undo file/);
  });

  it("fuzz: any mutation either decodes to a consistent header or throws ImageError", () => {
    const bytes = sample();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(bytes.length), (edits, cut) => {
        const m = bytes.slice(0, Math.max(cut, 12));
        for (const [at, v] of edits) if (at < m.length) m[at] = v;
        try {
          const undo = decodeUndoFile(m);
          for (const f of undo.header.files) for (const r of f.ranges) expect(undo.before(r).length).toBe(r.beforeLength);
        } catch (err) {
          expect(err).toBeInstanceOf(ImageError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("/proc/locks", () => {
  it("parses OFD, POSIX and FLOCK lines and waiters; device numbers as glibc splits st_dev", () => {
    const text = [
      "1: OFDLCK ADVISORY  READ  -1 fe:00:2147129 100 101",
      "2: POSIX  ADVISORY  WRITE 4242 08:11:77 0 EOF",
      "2: -> POSIX  ADVISORY  WRITE 4343 08:11:77 0 EOF",
      "3: FLOCK  ADVISORY  WRITE 16147 103:05:12 0 EOF",
      "garbage line",
    ].join("\n");
    const locks = parseProcLocks(text);
    expect(locks).toHaveLength(4);
    expect(locks[0]).toMatchObject({ kind: "OFDLCK", access: "READ", pid: -1, major: 0xfen, minor: 0n, inode: 2147129n });
    expect(locks[2]).toMatchObject({ kind: "POSIX", pid: 4343, major: 8n, minor: 0x11n, inode: 77n });
    expect(locks[3]).toMatchObject({ major: 0x103n, minor: 5n });
    expect(deviceNumbers(65024n)).toEqual({ major: 0xfen, minor: 0n });
    // makedev(259, 5) with the glibc encoding
    expect(deviceNumbers((259n << 8n) | 5n)).toEqual({ major: 259n, minor: 5n });
  });
});
