import { describe, expect, it } from "vitest";
import { RegfError } from "../../../src/errors.js";
import { parseBaseBlock, writeBaseBlockChecksum } from "../../../src/regf/base-block.js";
import { recoverHive } from "../../../src/regf/log/recover.js";
import { buildHvleEntry, buildNewLog, emptyHbin } from "./log-builder.js";
import { buildOldLog, syntheticPrimary } from "./synthetic-hive.js";

/** A 4096-byte hive bin at `offset` whose free cell carries a marker, so tests can see which page landed. */
function markedBin(offset: number, marker: number, size = 4096): Uint8Array {
  const bin = emptyHbin(offset, size);
  bin.fill(marker, 40, 48);
  return bin;
}

/** Fast byte comparison (vitest's deep equality walks typed arrays element by element). */
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

const entry = (sequence: number, hiveBinsDataSize: number, pages: { hbinsOffset: number; data: Uint8Array }[], flags = 0) =>
  buildHvleEntry({ sequence, hiveBinsDataSize, pages, flags });

describe("new-format replay (generated logs)", () => {
  it("grows the hive to the entry's hive bins data size and sets flags, sizes, sequences and checksum", () => {
    const primary = syntheticPrimary(3, 2); // one 4096-byte bin
    const grown = markedBin(4096, 0xaa, 8192);
    const log = buildNewLog(primary, 2, [entry(2, 12288, [{ hbinsOffset: 4096, data: grown }], 1)]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log }]);
    expect(r.recovered).toBe(true);
    expect(r.bytes.length).toBe(4096 + 12288);
    expect(same(r.bytes.subarray(8192, 8192 + 8192), grown)).toBe(true);
    expect(same(r.bytes.subarray(4096, 8192), primary.subarray(4096, 8192))).toBe(true);
    const base = parseBaseBlock(r.bytes);
    expect([base.primarySequence, base.secondarySequence, base.hiveBinsDataSize, base.flags, base.fileType]).toEqual([3, 3, 12288, 1, 0]);
    expect(base.storedChecksum).toBe(base.computedChecksum);
    expect(r.lastAppliedSequence).toBe(2);
  });

  it("rebuilds a primary base block with a bad checksum from the log's copy", () => {
    const primary = syntheticPrimary(2, 2);
    primary[200] ^= 0x55; // reserved byte: the checksum no longer matches
    const log = buildNewLog(syntheticPrimary(2, 2), 2, [entry(2, 4096, [{ hbinsOffset: 0, data: markedBin(0, 0xbb) }])]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log }]);
    expect(r.dirtyReasons[0]).toMatch(/checksum is wrong/);
    expect(r.recovered).toBe(true);
    expect(r.baseBlockRebuiltFrom).toBe("h.LOG1");
    expect(r.bytes[200]).toBe(0);
    expect(r.bytes[4096 + 40]).toBe(0xbb);
    expect(parseBaseBlock(r.bytes).fileType).toBe(0);
  });

  it("rebuilds an unreadable primary base block (garbage) from a log, and fails with the parse error without one", () => {
    const primary = syntheticPrimary(2, 2);
    primary.fill(0x58, 0, 4096);
    const log = buildNewLog(syntheticPrimary(2, 2), 2, [entry(2, 4096, [{ hbinsOffset: 0, data: markedBin(0, 0xcc) }])]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log }]);
    expect(r.dirtyReasons[0]).toMatch(/base block unreadable/);
    expect(r.recovered).toBe(true);
    expect(parseBaseBlock(r.bytes).signature).toBe("regf");
    expect(() => recoverHive(primary, [])).toThrow(expect.objectContaining({ code: "not-a-hive" }));
  });

  it("does not rebuild a bad base block from a log older than the primary", () => {
    const primary = syntheticPrimary(9, 9);
    primary[200] ^= 1;
    const log = buildNewLog(syntheticPrimary(2, 2), 2, [entry(2, 4096, [{ hbinsOffset: 0, data: markedBin(0, 0xcc) }])]);
    const r = recoverHive(primary, [{ name: "old.LOG1", bytes: log }]);
    expect(r.recovered).toBe(false);
    expect(r.ignoredLogs[0].reason).toMatch(/older than the primary's 9/);
  });

  it("refuses a hostile hive bins data size without allocating it", () => {
    const primary = syntheticPrimary(3, 2);
    const log = buildNewLog(primary, 2, [entry(2, 0x7ffff000, [{ hbinsOffset: 0, data: markedBin(0, 1) }])]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log }]);
    expect(r.recovered).toBe(false);
    expect(r.warnings.join()).toMatch(/larger than the primary and its logs/);
    expect(() => recoverHive(primary, [{ name: "h.LOG1", bytes: log }], { requireRecovery: true })).toThrow(RegfError);
  });

  it("stops at a torn entry: the entries before it apply", () => {
    const primary = syntheticPrimary(3, 2);
    const second = entry(3, 4096, [{ hbinsOffset: 0, data: markedBin(0, 3) }]);
    second[200] ^= 1; // Hash-1 no longer matches
    const log = buildNewLog(primary, 2, [entry(2, 4096, [{ hbinsOffset: 0, data: markedBin(0, 2) }]), second]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log }]);
    expect(r.appliedLogs.map((l) => [l.firstSequence, l.lastSequence])).toEqual([[2, 2]]);
    expect(r.bytes[4096 + 40]).toBe(2);
    expect(r.warnings.join()).toMatch(/Hash-1 does not match/);
  });

  it("uses the second log only when it continues the sequence", () => {
    const primary = syntheticPrimary(3, 2);
    const log1 = buildNewLog(primary, 2, [entry(2, 4096, [{ hbinsOffset: 0, data: markedBin(0, 2) }]), entry(3, 4096, [{ hbinsOffset: 0, data: markedBin(0, 3) }])]);
    const gap = buildNewLog(primary, 5, [entry(5, 4096, [{ hbinsOffset: 0, data: markedBin(0, 5) }])]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log1 }, { name: "h.LOG2", bytes: gap }]);
    expect(r.appliedLogs.map((l) => l.name)).toEqual(["h.LOG1"]);
    expect(r.ignoredLogs).toEqual([{ name: "h.LOG2", reason: "its entries (from 5) do not continue the sequence after 3" }]);
    expect(r.bytes[4096 + 40]).toBe(3);
  });

  it("after a double rotation applies the log with the earlier entries first, from where the logs begin", () => {
    // Primary at 2; LOG2 holds 5..6, LOG1 (rotated again) 7..8; entries 2..4 were reconciled.
    const primary = syntheticPrimary(3, 2);
    const log1 = buildNewLog(primary, 7, [entry(7, 4096, [{ hbinsOffset: 0, data: markedBin(0, 7) }]), entry(8, 4096, [{ hbinsOffset: 0, data: markedBin(0, 8) }])]);
    const log2 = buildNewLog(primary, 5, [entry(5, 4096, [{ hbinsOffset: 0, data: markedBin(0, 5) }]), entry(6, 4096, [{ hbinsOffset: 0, data: markedBin(0, 6) }])]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log1 }, { name: "h.LOG2", bytes: log2 }]);
    expect(r.appliedLogs.map((l) => [l.name, l.firstSequence, l.lastSequence])).toEqual([["h.LOG2", 5, 6], ["h.LOG1", 7, 8]]);
    expect(r.warnings[0]).toMatch(/entries 2\.\.4 are not in the logs/);
    expect(r.bytes[4096 + 40]).toBe(8);
    expect(parseBaseBlock(r.bytes).secondarySequence).toBe(9);
  });

  it("skips entries older than the primary inside a log", () => {
    const primary = syntheticPrimary(4, 3);
    const log = buildNewLog(primary, 2, [entry(2, 4096, [{ hbinsOffset: 0, data: markedBin(0, 2) }]), entry(3, 4096, [{ hbinsOffset: 0, data: markedBin(0, 3) }])]);
    const r = recoverHive(primary, [{ name: "h.LOG1", bytes: log }]);
    expect(r.appliedLogs.map((l) => [l.firstSequence, l.lastSequence, l.entries])).toEqual([[3, 3, 1]]);
    expect(r.warnings).toEqual([]);
  });
});

describe("old-format replay (generated logs)", () => {
  it("applies the dirty pages, growing the hive to the log's size", () => {
    const primary = syntheticPrimary(5, 4, 1);
    const log = buildOldLog(primary, 5, 8192, [{ hbinsOffset: 0, data: markedBin(0, 0x11) }, { hbinsOffset: 4096, data: markedBin(4096, 0x22) }]);
    const r = recoverHive(primary, [{ name: "h.LOG", bytes: log }]);
    expect(r.recovered).toBe(true);
    expect(r.appliedLogs[0]).toMatchObject({ format: "old", pages: 16, firstSequence: 5 });
    expect(r.bytes.length).toBe(4096 + 8192);
    expect([r.bytes[4096 + 40], r.bytes[8192 + 40]]).toEqual([0x11, 0x22]);
    const base = parseBaseBlock(r.bytes);
    expect([base.primarySequence, base.secondarySequence, base.hiveBinsDataSize]).toEqual([6, 6, 8192]);
  });

  it("stops at the first hive bin the dirty pages leave invalid, keeping the pages before it", () => {
    const primary = syntheticPrimary(5, 4, 2);
    const bad = markedBin(4096, 0x22);
    bad[0] = 0x78; // not "hbin"
    const log = buildOldLog(primary, 5, 8192, [{ hbinsOffset: 0, data: markedBin(0, 0x11) }, { hbinsOffset: 4096, data: bad }]);
    const r = recoverHive(primary, [{ name: "h.LOG", bytes: log }]);
    expect(r.recovered).toBe(true);
    expect(r.appliedLogs[0].pages).toBe(8);
    expect(r.bytes[4096 + 40]).toBe(0x11);
    expect(same(r.bytes.subarray(8192, 12288), primary.subarray(8192, 12288))).toBe(true);
    expect(r.warnings.join()).toMatch(/stopped at hive bin 0x1000/);
  });

  it("rebuilds a bad primary base block from the log, matching the first hbin's timestamp", () => {
    const primary = syntheticPrimary(5, 4, 1);
    const log = buildOldLog(primary, 5, 4096, [{ hbinsOffset: 0, data: markedBin(0, 0x33) }]);
    primary[300] ^= 1;
    const r = recoverHive(primary, [{ name: "h.LOG", bytes: log }]);
    expect(r.baseBlockRebuiltFrom).toBe("h.LOG");
    expect(r.bytes[4096 + 40]).toBe(0x33);
    const base = parseBaseBlock(r.bytes);
    expect(base.storedChecksum).toBe(base.computedChecksum);
    expect(base.fileType).toBe(0);
  });

  it("ignores a log whose sequence numbers differ (its write did not finish)", () => {
    const primary = syntheticPrimary(5, 4, 1);
    const log = buildOldLog(primary, 5, 4096, [{ hbinsOffset: 0, data: markedBin(0, 0x33) }]);
    new DataView(log.buffer).setUint32(8, 4, true);
    const block = new Uint8Array(4096);
    block.set(log.subarray(0, 512));
    writeBaseBlockChecksum(block);
    log.set(block.subarray(0, 512));
    const r = recoverHive(primary, [{ name: "h.LOG", bytes: log }]);
    expect(r.recovered).toBe(false);
    expect(r.ignoredLogs[0].reason).toMatch(/incomplete-log/);
  });
});
