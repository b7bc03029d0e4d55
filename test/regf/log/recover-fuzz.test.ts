/**
 * Mutation test: recovery over damaged primaries and logs either returns a bounded buffer or
 * throws a RegfError; it never crashes, hangs or allocates beyond its inputs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RegfError } from "../../../src/errors.js";
import { recoverHive } from "../../../src/regf/log/recover.js";
import type { LogInput } from "../../../src/regf/log/types.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../../helpers/corpus.js";
import { buildHvleEntry, buildNewLog, emptyHbin } from "./log-builder.js";
import { buildOldLog, syntheticPrimary } from "./synthetic-hive.js";

/** A list of (position, byte) edits plus an optional cut, applied to a copy. */
const mutation = fc.record({
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
  // Edits aimed at the header fields (sizes, counts, sequence numbers) where damage matters most.
  headerEdits: fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.constantFrom(0, 1, 0x7f, 0x80, 0xff)), { maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});
type Mutation = { edits: [number, number][]; headerEdits: [number, number][]; cut: number | undefined };

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (bytes.length === 0) return bytes;
  const out = bytes.slice(0, m.cut === undefined ? bytes.length : m.cut % (bytes.length + 1));
  for (const [pos, value] of [...m.edits, ...m.headerEdits]) if (out.length > 0) out[pos % out.length] = value;
  return out;
}

function check(primary: Uint8Array, logs: LogInput[]): void {
  const budget = primary.length + logs.reduce((n, l) => n + l.bytes.length, 0) + 4096;
  try {
    const r = recoverHive(primary, logs);
    expect(r.bytes.length).toBeLessThanOrEqual(budget);
    if (r.recovered) expect(r.bytes[0]).toBe(0x72);
  } catch (e) {
    if (!(e instanceof RegfError)) throw e;
  }
}

function property(primary: Uint8Array, logs: LogInput[], runs: number): void {
  fc.assert(
    fc.property(mutation, fc.array(mutation, { minLength: logs.length, maxLength: logs.length }), (pm, lms) => {
      check(
        mutate(primary, pm),
        logs.map((l, i) => ({ name: l.name, bytes: mutate(l.bytes, lms[i]) })),
      );
    }),
    { numRuns: runs },
  );
}

describe("recovery mutation test (generated logs)", () => {
  it("new-format logs", () => {
    const primary = syntheticPrimary(3, 2, 2);
    const page = (o: number) => ({ hbinsOffset: o, data: emptyHbin(o) });
    const log1 = buildNewLog(primary, 2, [buildHvleEntry({ sequence: 2, hiveBinsDataSize: 8192, pages: [page(0)] })]);
    const log2 = buildNewLog(primary, 3, [buildHvleEntry({ sequence: 3, hiveBinsDataSize: 12288, pages: [page(4096), page(8192)] })]);
    property(primary, [{ name: "h.LOG1", bytes: log1 }, { name: "h.LOG2", bytes: log2 }], 300);
  });

  it("old-format log", () => {
    const primary = syntheticPrimary(5, 4, 2);
    const log = buildOldLog(primary, 5, 12288, [{ hbinsOffset: 4096, data: emptyHbin(4096) }, { hbinsOffset: 8192, data: emptyHbin(8192) }]);
    property(primary, [{ name: "h.LOG", bytes: log }], 300);
  });
});

describe("recovery with hostile but correctly hashed entries", () => {
  it("arbitrary sizes, offsets and sequence numbers stay bounded", () => {
    const primary = syntheticPrimary(3, 2, 1);
    const entryArb = fc.record({
      sequence: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.nat()),
      hiveBinsDataSize: fc.oneof(fc.constantFrom(4096, 8192, 0x7ffff000, 0xfffff000), fc.nat()),
      pages: fc.array(fc.record({ hbinsOffset: fc.oneof(fc.constantFrom(0, 4096, 0xfffffe00), fc.nat()), sectors: fc.integer({ min: 1, max: 8 }) }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 4 }), fc.nat(), (entries, logSequence) => {
        const built = entries.map((e) =>
          buildHvleEntry({ sequence: e.sequence, hiveBinsDataSize: e.hiveBinsDataSize, pages: e.pages.map((p) => ({ hbinsOffset: p.hbinsOffset, data: new Uint8Array(p.sectors * 512).fill(7) })) }),
        );
        check(primary, [{ name: "h.LOG1", bytes: buildNewLog(primary, logSequence % 8, built) }]);
      }),
      { numRuns: 300 },
    );
  });
});

describe.skipIf(!hasCorpus())(`recovery mutation test (corpus logs)${hasCorpus() ? "" : ` (skipped: ${noCorpusReason})`}`, () => {
  it("yarp NewDirtyHive1 with damaged LOG1/LOG2", async () => {
    const dir = "hives/yarp/NewDirtyHive1";
    const primary = await corpusBytes(`${dir}/NewDirtyHive`);
    const logs = [
      { name: "NewDirtyHive.LOG1", bytes: await corpusBytes(`${dir}/NewDirtyHive.LOG1`) },
      { name: "NewDirtyHive.LOG2", bytes: await corpusBytes(`${dir}/NewDirtyHive.LOG2`) },
    ];
    property(primary, logs, 120);
  });

  it("yarp OldDirtyHive with a damaged old-format log", async () => {
    const primary = await corpusBytes("hives/yarp/OldDirtyHive/OldDirtyHive");
    const log = await corpusBytes("hives/yarp/OldDirtyHive/OldDirtyHive.LOG1");
    property(primary, [{ name: "OldDirtyHive.LOG1", bytes: log }], 60);
  });
});
