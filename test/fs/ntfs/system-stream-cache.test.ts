/**
 * The kept streams of system files (readable-volume.ts `stream` for records 0-15): a writer
 * looks up $MFT's $BITMAP and $MFTMirr for every new file, so they are kept while record 0's
 * (or 1's) parse is cached, and must follow the record when it changes: $MFT grown by a
 * writer session, many times within one session, read back by a fresh reader and by fls.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { growMft, MFT_GROWTH_RECORDS } from "../../../src/fs/ntfs/create/mft-growth.js";
import { ReadableNtfsVolume } from "../../../src/fs/ntfs/readable-volume.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { PendingWrites } from "../../../src/fs/ntfs/write/pending-writes.js";
import { FileDevice, MemoryDevice } from "../../../src/io/index.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { mkntfsVolume, tempDir } from "./create-helpers.js";
import { fixtureBytes } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const text = (value: string) => new TextEncoder().encode(value);

describe("system file streams kept by the reader", () => {
  it("$MFT's streams are kept while record 0 is, and follow record 0 once it is forgotten after a change", () => {
    const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
    const vol = new ReadableNtfsVolume(device);
    const before = vol.stream(0, AttributeType.data, "");
    expect(vol.stream(0, AttributeType.data, "")).toBe(before);
    const growth = new PendingWrites();
    growMft(vol, 1, growth);
    growth.apply(device);
    vol.forgetCachedRecords([0]);
    const after = vol.stream(0, AttributeType.data, "");
    expect(after).not.toBe(before);
    expect(after.size).toBe(before.size + MFT_GROWTH_RECORDS * vol.boot.mftRecordSize);
    expect(vol.stream(0, AttributeType.bitmap, "").size * 8).toBeGreaterThanOrEqual(after.size / vol.boot.mftRecordSize);
    // Forgetting another record keeps them.
    vol.forgetCachedRecords([40]);
    expect(vol.stream(0, AttributeType.data, "")).toBe(after);
  });

  it("user files' streams are not kept (a writer changes them without a system-file rule)", () => {
    const vol = openNtfs(new MemoryDevice(fixtureBytes("write").slice(), { writable: true }));
    const record = vol.resolve("/Big/file-001.txt")!.record;
    expect(vol.stream(record, AttributeType.data, "")).not.toBe(vol.stream(record, AttributeType.data, ""));
  });

  it.skipIf(!toolsAvailable("mkntfs", "fls"))("one session whose files outgrow $MFT several times: every file, its $MFT bitmap bit and $MFTMirr right", () => {
    const dir = tempDir();
    dirs.push(dir);
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
    const device = new FileDevice(image, { writable: true });
    const count = 3 * MFT_GROWTH_RECORDS;
    let recordsBefore: number;
    try {
      const vol = openNtfs(device);
      recordsBefore = vol.stream(0, AttributeType.data, "").size / vol.boot.mftRecordSize;
      const writer = vol.writer();
      writer.mkdir("/many");
      for (let i = 0; i < count; i++) writer.createFile(`/many/f-${i}.txt`, text(`file ${i}\n`));
      writer.commit();
    } finally {
      device.close();
    }
    const readDevice = new FileDevice(image);
    const again = new ReadableNtfsVolume(readDevice);
    const rs = again.boot.mftRecordSize;
    const records = again.stream(0, AttributeType.data, "").size / rs;
    expect(records).toBeGreaterThanOrEqual(recordsBefore + 2 * MFT_GROWTH_RECORDS);
    const bitmap = again.stream(0, AttributeType.bitmap, "").read(0, Math.ceil(records / 8));
    const numbers = new Set<number>();
    for (let i = 0; i < count; i++) {
      const found = again.resolve(`/many/f-${i}.txt`)!;
      const data = again.stream(found.record, AttributeType.data, "");
      expect(new TextDecoder().decode(data.read(0, data.size))).toBe(`file ${i}\n`);
      expect(bitmap[found.record >> 3] & (1 << (found.record & 7))).not.toBe(0);
      numbers.add(found.record);
    }
    expect(numbers.size).toBe(count);
    const mirror = again.stream(1, AttributeType.data, "");
    const mirrored = Math.min(4, mirror.size / rs);
    expect(Buffer.from(mirror.read(0, mirrored * rs)).equals(Buffer.from(again.stream(0, AttributeType.data, "").read(0, mirrored * rs)))).toBe(true);
    const listed = runTool("fls", ["-p", "-r", image]).stdout.toString();
    for (let i = 0; i < count; i++) expect(listed).toContain(`many/f-${i}.txt`);
    readDevice.close();
  });
});
