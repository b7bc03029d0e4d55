import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUndoFile, encodeUndoFile, parseProcLocks, sha256 } from "../../src/apply/index.js";
import { deviceNumbers } from "../../src/apply/locks.js";
import { ImageError } from "../../src/errors.js";
import { encodeUndoFileV1, withHeader } from "./undo-v1.js";

const identity = { path: "/images/disk.img", size: 1 << 20, mtimeMs: 1700000000000.5, dev: 65024, ino: 2147129 };

/** Zeros with a last byte of 1: only partly zero, so stored. */
const almostZero = () => {
  const bytes = new Uint8Array(1024);
  bytes[1023] = 1;
  return bytes;
};

function sampleInput() {
  return {
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
          // Free clusters: all zero before, nothing stored.
          { offset: 8192, before: new Uint8Array(2048), after: new Uint8Array(2048).fill(5) },
          { offset: 16384, before: almostZero(), after: new Uint8Array(1024).fill(6) },
          // Straddles the original end: only the first 256 bytes existed before.
          { offset: (1 << 20) - 256, before: new Uint8Array(256).fill(3), after: new Uint8Array(4352).fill(4) },
        ],
      },
    ],
  };
}

const sample = () => encodeUndoFile(sampleInput());
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err instanceof ImageError ? err.code : `not an ImageError: ${String(err)}`;
  }
  return "decoded";
};

describe("undo file format", () => {
  it("round-trips ranges, sizes, SHA-256 and the original bytes; all-zero before bytes are zeroBefore, not stored (version 2)", () => {
    const undo = decodeUndoFile(sample());
    expect(new TextDecoder().decode(sample().subarray(0, 8))).toBe("P2VUNDO1");
    expect(undo.header.version).toBe(2);
    expect(undo.header.blobSha256).toBeUndefined();
    expect(undo.header.image).toEqual(identity);
    const [a, zero, partly, b] = undo.header.files[0].ranges;
    expect(a).toMatchObject({ offset: 512, length: 512, beforeLength: 512, blobOffset: 0, sha256Before: sha256(new Uint8Array(512).fill(1)), sha256After: sha256(new Uint8Array(512).fill(2)) });
    expect(zero).toEqual({ offset: 8192, length: 2048, beforeLength: 2048, blobOffset: 512, zeroBefore: true, sha256After: sha256(new Uint8Array(2048).fill(5)) });
    expect(partly).toMatchObject({ beforeLength: 1024, blobOffset: 512, sha256Before: sha256(almostZero()) });
    expect(partly.zeroBefore).toBeUndefined();
    expect(b).toMatchObject({ length: 4352, beforeLength: 256, blobOffset: 1536 });
    expect(undo.header.blobSize).toBe(512 + 1024 + 256);
    expect(sample().length).toBe(12 + new DataView(sample().buffer).getUint32(8, true) + 1792);
    expect(Array.from(undo.before(a)).every((x) => x === 1)).toBe(true);
    expect(Buffer.from(undo.before(zero)).equals(Buffer.alloc(2048))).toBe(true);
    expect(Buffer.from(undo.before(partly)).equals(Buffer.from(almostZero()))).toBe(true);
    expect(Array.from(undo.before(b)).every((x) => x === 3)).toBe(true);
    // Into a caller's buffer that holds other bytes: zeros there, a view of it.
    const target = new Uint8Array(4096).fill(0xee);
    const read = undo.readBefore(zero, 100, 1000, target);
    expect(read.buffer).toBe(target.buffer);
    expect(Buffer.from(read).equals(Buffer.alloc(1000))).toBe(true);
    expect(() => undo.readBefore(zero, 2000, 100)).toThrow(RangeError);
    expect(undo.header.files[0].newSize).toBe((1 << 20) + 4096);
  });

  it("a truncated or damaged undo file is rejected with a typed error; a damaged stored range is found when the file is opened", () => {
    const bytes = sample();
    expect(() => decodeUndoFile(bytes.subarray(0, bytes.length - 1))).toThrow(ImageError);
    const blobStart = bytes.length - 1792;
    // The last byte of each stored range: the first, the partly zero one, the last.
    for (const [at, offset] of [[blobStart + 511, 512], [blobStart + 1535, 16384], [bytes.length - 1, (1 << 20) - 256]]) {
      const flipped = bytes.slice();
      flipped[at] ^= 1;
      expect(() => decodeUndoFile(flipped)).toThrow(new RegExp(`range at ${offset} .*damaged`));
    }
    expect(() => decodeUndoFile(new Uint8Array(4))).toThrow(/not a p2vfix undo file/);
  });

  it("version 2 header checks: zeroBefore with a hash or without before bytes, a stored range without a hash, a blob hash, ranges not tiling the blob", () => {
    const bytes = sample();
    const broken: Record<string, (h: Parameters<Parameters<typeof withHeader>[1]>[0]) => void> = {
      "zeroBefore with sha256Before": (h) => void (h.files[0].ranges[1].sha256Before = sha256(new Uint8Array(2048))),
      "zeroBefore without before bytes": (h) => void (h.files[0].ranges[1].beforeLength = 0),
      "stored without sha256Before": (h) => void delete h.files[0].ranges[0].sha256Before,
      "zeroBefore false": (h) => void (h.files[0].ranges[0].zeroBefore = false),
      "a blobSha256": (h) => void (h.blobSha256 = sha256(new Uint8Array())),
      "zero range pointing into the blob": (h) => void (h.files[0].ranges[1].blobOffset = 0),
      "stored ranges overlapping": (h) => void (h.files[0].ranges[2].blobOffset = 0),
      "a stored range turned zero (its bytes left unaccounted)": (h) => {
        delete h.files[0].ranges[2].sha256Before;
        h.files[0].ranges[2].zeroBefore = true;
      },
      "version 3": (h) => void (h.version = 3),
    };
    expect(codeOf(() => decodeUndoFile(withHeader(bytes, () => undefined)))).toBe("decoded");
    for (const [what, edit] of Object.entries(broken)) expect(codeOf(() => decodeUndoFile(withHeader(bytes, edit))), what).toBe("bad-undo-file");
  });

  it("version 1 files (every range stored, one blob SHA-256) still read; damage and version 2 fields in them are refused", () => {
    const bytes = encodeUndoFileV1(sampleInput());
    const undo = decodeUndoFile(bytes);
    expect(undo.header.version).toBe(1);
    const ranges = undo.header.files[0].ranges;
    expect(ranges.map((r) => [r.blobOffset, r.zeroBefore])).toEqual([[0, undefined], [512, undefined], [2560, undefined], [3584, undefined]]);
    sampleInput().files[0].ranges.forEach((range, i) => expect(Buffer.from(undo.before(ranges[i])).equals(Buffer.from(range.before))).toBe(true));
    const flipped = bytes.slice();
    flipped[bytes.length - 300] ^= 1; // inside the stored zeros
    expect(() => decodeUndoFile(flipped)).toThrow(/original bytes do not match their SHA-256 \(the undo file is damaged\)/);
    expect(codeOf(() => decodeUndoFile(withHeader(bytes, (h) => void delete h.blobSha256)))).toBe("bad-undo-file");
    expect(codeOf(() => decodeUndoFile(withHeader(bytes, (h) => void delete h.files[0].ranges[0].sha256Before)))).toBe("bad-undo-file");
    expect(
      codeOf(() =>
        decodeUndoFile(
          withHeader(bytes, (h) => {
            h.files[0].ranges[1].zeroBefore = true;
          }),
        ),
      ),
    ).toBe("bad-undo-file");
  });

  it.each([
    ["version 2", sample],
    ["version 1", () => encodeUndoFileV1(sampleInput())],
  ])("fuzz (%s): any mutation either decodes to ranges whose original bytes match their hashes, or throws ImageError", (_version, make) => {
    const bytes = make();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(bytes.length), (edits, cut) => {
        const m = bytes.slice(0, Math.max(cut, 12));
        for (const [at, v] of edits) if (at < m.length) m[at] = v;
        let undo;
        try {
          undo = decodeUndoFile(m);
        } catch (err) {
          expect(err).toBeInstanceOf(ImageError);
          return;
        }
        for (const f of undo.header.files) {
          for (const r of f.ranges) {
            const before = undo.before(r);
            expect(before.length).toBe(r.beforeLength);
            if (r.zeroBefore) expect(before.every((x) => x === 0)).toBe(true);
            else expect(sha256(before)).toBe(r.sha256Before);
          }
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
