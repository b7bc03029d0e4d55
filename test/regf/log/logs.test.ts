import { describe, expect, it } from "vitest";
import { RegfError } from "../../../src/errors.js";
import { readHvleEntry } from "../../../src/regf/log/hvle-entry.js";
import { parseNewLog } from "../../../src/regf/log/new-log.js";
import { parseOldLog } from "../../../src/regf/log/old-log.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../../helpers/corpus.js";
import { buildHvleEntry, buildNewLog, emptyHbin } from "./log-builder.js";

const hives = (rel: string) => corpusBytes(`hives/${rel}`);
const corpusTitle = (t: string) => (hasCorpus() ? t : `${t} (skipped: ${noCorpusReason})`);

function thrown(f: () => unknown): RegfError {
  try {
    f();
  } catch (e) {
    if (e instanceof RegfError) return e;
    throw e;
  }
  throw new Error("expected a RegfError");
}

describe.skipIf(!hasCorpus())(corpusTitle("new-format logs (corpus)"), () => {
  it("reads the HvLE entries of NewDirtyHive.LOG2 (3 consecutive entries, one page each)", async () => {
    const log = parseNewLog(await hives("yarp/NewDirtyHive1/NewDirtyHive.LOG2"), "LOG2");
    expect(log.base.fileType).toBe(6);
    expect(log.entries.map((e) => [e.fileOffset, e.sequence, e.hiveBinsDataSize, e.pages.length])).toEqual([
      [512, 3, 20480, 1],
      [8192, 4, 20480, 1],
      [32768, 5, 20480, 1],
    ]);
    expect(log.stopReason).toBeUndefined();
  });

  it("stops at an entry that does not continue the sequence (Amcache LOG2: 38, 39, then a left-over 27)", async () => {
    const log = parseNewLog(await hives("DFIRArtifactMuseum/Amcache_Win10_APTSimulatorVM/Amcache.hve.LOG2"), "LOG2");
    expect(log.entries.map((e) => e.sequence)).toEqual([38, 39]);
    expect(log.stopReason).toMatch(/sequence 27 after 39/);
  });

  it("refuses an old-format log as a new one and the reverse, with typed errors", async () => {
    expect(thrown(() => parseNewLog(new Uint8Array(0), "x")).code).toBe("truncated");
    const old = await hives("yarp/OldDirtyHive/OldDirtyHive.LOG1");
    expect(thrown(() => parseNewLog(old, "old")).code).toBe("not-a-new-log");
    const fresh = await hives("yarp/NewDirtyHive1/NewDirtyHive.LOG1");
    expect(thrown(() => parseOldLog(fresh, "new")).code).toBe("not-an-old-log");
  });
});

describe.skipIf(!hasCorpus())(corpusTitle("old-format logs (corpus)"), () => {
  it("reads OldDirtyHive.LOG1: base block copy, DIRT vector, 64 dirty pages from offset 1024", async () => {
    const log = parseOldLog(await hives("yarp/OldDirtyHive/OldDirtyHive.LOG1"), "LOG1");
    expect(log.base.fileType).toBe(1);
    expect(log.base.secondarySequence).toBe(5);
    expect(log.pagesOffset).toBe(1024);
    expect(log.pages.length).toBe(64);
    // 0xFF bytes in the bitmap: dirty data comes in whole 4096-byte blocks.
    expect(log.pages[0].hbinsOffset).toBe(0);
    for (const p of log.pages) expect(p.data.length).toBe(512);
  });

  it("ignores the 4 remnant bytes after the last page (yarp OldLogWithRemnantData)", async () => {
    const plain = parseOldLog(await hives("yarp/OldDirtyHive/OldDirtyHive.LOG1"));
    const remnant = parseOldLog(await hives("yarp/OldLogWithRemnantData"));
    expect(remnant.pages.map((p) => p.hbinsOffset)).toEqual(plain.pages.map((p) => p.hbinsOffset));
    remnant.pages.forEach((p, i) => expect(p.data).toEqual(plain.pages[i].data));
  });

  it("plaso ntuser.dat.LOG cut to 1 KiB: header and vector parse, the missing pages give a typed truncation error", async () => {
    const bytes = await hives("plaso/ntuser.dat.LOG");
    const e = thrown(() => parseOldLog(bytes, "ntuser.dat.LOG"));
    expect(e.code).toBe("truncated");
    expect(e.message).toMatch(/dirty vector marks \d+ pages/);
    expect(e.offset).toBe(1024);
    // Cut inside the vector itself: still typed.
    expect(thrown(() => parseOldLog(bytes.subarray(0, 540))).code).toBe("truncated");
  });
});

describe("HvLE entries (generated)", () => {
  const base = new Uint8Array(4096);
  base.set([0x72, 0x65, 0x67, 0x66]);
  const page = emptyHbin(4096);

  it("round-trips a built entry and reports each kind of damage as a reason, not an exception", () => {
    const entry = buildHvleEntry({ sequence: 9, hiveBinsDataSize: 8192, flags: 1, pages: [{ hbinsOffset: 4096, data: page }] });
    const log = buildNewLog(base, 9, [entry]);
    const ok = readHvleEntry(log, 512);
    expect(ok.ok && ok.entry.pages[0].hbinsOffset).toBe(4096);
    expect(ok.ok && ok.entry.flags).toBe(1);

    const damage = (at: number, value: number) => {
      const copy = log.slice();
      new DataView(copy.buffer).setUint32(512 + at, value, true);
      const r = readHvleEntry(copy, 512);
      return r.ok ? "ok" : r.reason;
    };
    expect(damage(0, 0)).toMatch(/signature/);
    expect(damage(4, 100)).toMatch(/multiple of 512/);
    expect(damage(4, 0x7ffffe00)).toMatch(/past the end/);
    expect(damage(16, 5000)).toMatch(/multiple of 4096/);
    expect(damage(20, 0xffffffff)).toMatch(/cannot fit/);
    expect(damage(12, 10)).toMatch(/Hash-2/);
    expect(damage(44, 0)).toMatch(/Hash-1/); // a page reference changed under Hash-1
    // A page reference outside the entry's hive bins data size (hashes recomputed: a "valid" hostile entry).
    const hostile = buildHvleEntry({ sequence: 9, hiveBinsDataSize: 4096, pages: [{ hbinsOffset: 4096, data: page }] });
    const r = readHvleEntry(buildNewLog(base, 9, [hostile]), 512);
    expect(r.ok ? "ok" : r.reason).toMatch(/past the hive bins data size/);
  });
});

describe("new-format log end (generated)", () => {
  const base = new Uint8Array(4096);
  base.set([0x72, 0x65, 0x67, 0x66]);
  const e = (sequence: number) => buildHvleEntry({ sequence, hiveBinsDataSize: 4096, pages: [{ hbinsOffset: 0, data: emptyHbin(0) }] });

  it("a log cut inside the entry that continues the sequence is torn; a left-over older entry is not", () => {
    const full = buildNewLog(base, 4, [e(4), e(5)]);
    const cut = parseNewLog(full.subarray(0, full.length - 512));
    expect(cut.entries.map((x) => x.sequence)).toEqual([4]);
    expect(cut.torn).toBe(true);
    expect(cut.stopReason).toMatch(/runs past the end of the log/);
    const leftover = parseNewLog(buildNewLog(base, 4, [e(4), e(1)]));
    expect(leftover.entries.map((x) => x.sequence)).toEqual([4]);
    expect(leftover.torn).toBeUndefined();
    expect(leftover.stopReason).toMatch(/sequence 1 after 4/);
  });
});
