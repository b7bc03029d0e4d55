import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NtfsError } from "../../../src/errors.js";
import { checkRuns, decodeRunlist, encodeRunlist, type DataRun } from "../../../src/fs/ntfs/runlist.js";

describe("NTFS runlists", () => {
  it("decodes real, sparse and backwards runs", () => {
    // 0x21: 1-byte length 0x18, 2-byte offset 0x5634 → LCN 0x5634
    // 0x01: sparse run of 0x10 clusters
    // 0x11: length 0x20, offset -0x10 (0xF0) → LCN 0x5624
    const bytes = Uint8Array.from([0x21, 0x18, 0x34, 0x56, 0x01, 0x10, 0x11, 0x20, 0xf0, 0x00]);
    expect(decodeRunlist(bytes, 0)).toEqual([
      { vcn: 0, lcn: 0x5634, length: 0x18 },
      { vcn: 0x18, lcn: null, length: 0x10 },
      { vcn: 0x28, lcn: 0x5624, length: 0x20 },
    ]);
  });

  it("re-encodes any runlist to bytes that decode to the same runs, with minimal fields", () => {
    const run = fc.record({ sparse: fc.boolean(), lcn: fc.integer({ min: 0, max: 2 ** 40 }), length: fc.integer({ min: 1, max: 2 ** 33 }) });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 30 }), fc.nat(1000), (spec, startVcn) => {
        let vcn = startVcn;
        const runs: DataRun[] = spec.map((s) => {
          const r = { vcn, lcn: s.sparse ? null : s.lcn, length: s.length };
          vcn += s.length;
          return r;
        });
        const bytes = encodeRunlist(runs);
        expect(decodeRunlist(bytes, startVcn)).toEqual(runs);
      }),
    );
    expect(encodeRunlist([{ vcn: 0, lcn: 0x80, length: 1 }])).toEqual(Uint8Array.from([0x21, 0x01, 0x80, 0x00, 0x00]));
    expect(encodeRunlist([{ vcn: 0, lcn: 0x7f, length: 1 }])).toEqual(Uint8Array.from([0x11, 0x01, 0x7f, 0x00]));
    // Lengths are signed too (ntfs-3g rejects a length whose top bit is set): 227 is e3 00.
    expect(encodeRunlist([{ vcn: 0, lcn: 0x11, length: 0xe3 }])).toEqual(Uint8Array.from([0x12, 0xe3, 0x00, 0x11, 0x00]));
  });

  it("rejects bad headers, truncation, negative LCNs and a missing terminator", () => {
    const cases: Array<[number[], string]> = [
      [[0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0], "bad-runlist"], // length field of 9 bytes
      [[0x21, 0x01, 0x34], "bad-runlist"], // truncated offset
      [[0x11, 0x01, 0xff, 0x00], "bad-runlist"], // first LCN -1
      [[0x11, 0x00, 0x05, 0x00], "bad-runlist"], // zero length
      [[0x11, 0x01, 0x05], "bad-runlist"], // no terminator
    ];
    for (const [bytes, code] of cases) expect(() => decodeRunlist(Uint8Array.from(bytes), 0, 100)).toThrow(expect.objectContaining({ code }));
  });

  it("checks runs against the volume and against each other", () => {
    expect(() => checkRuns([{ vcn: 0, lcn: 90, length: 20 }], 100, "x")).toThrow(expect.objectContaining({ code: "run-outside-volume" }));
    expect(() =>
      checkRuns(
        [
          { vcn: 0, lcn: 10, length: 5 },
          { vcn: 5, lcn: null, length: 50 },
          { vcn: 55, lcn: 12, length: 5 },
        ],
        100,
        "x",
      ),
    ).toThrow(expect.objectContaining({ code: "runs-overlap" }));
    expect(() => checkRuns([{ vcn: 0, lcn: 10, length: 5 }, { vcn: 5, lcn: 15, length: 5 }], 100, "x")).not.toThrow();
  });

  it("never hangs or crashes on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const runs = decodeRunlist(bytes, 0);
          expect(runs.length).toBeLessThanOrEqual(bytes.length / 2);
        } catch (err) {
          expect(err).toBeInstanceOf(NtfsError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
