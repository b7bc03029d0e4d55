/**
 * NtfsWriter.expectRecords: a writer told how many files and folders follow grows $MFT once, by
 * what is missing, instead of MFT_GROWTH_RECORDS at a time (a copy of 1,500 files grew it six
 * times). Checked against the same session without the hint, which leaves free records at the
 * end of the last 256-record growth.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { MFT_GROWTH_RECORDS } from "../../../src/fs/ntfs/create/mft-growth.js";
import { ReadableNtfsVolume } from "../../../src/fs/ntfs/readable-volume.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { FileDevice } from "../../../src/io/index.js";
import { toolsAvailable } from "../../helpers/interop.js";
import { mkntfsVolume, tempDir } from "./create-helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Records in $MFT before and after one session of `count` files in a new folder, and the MFT bitmap after. */
function session(count: number, hint: boolean): { before: number; after: number; inUse: (record: number) => boolean } {
  const dir = tempDir();
  dirs.push(dir);
  const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 32 });
  const device = new FileDevice(image, { writable: true });
  let before: number;
  try {
    const vol = openNtfs(device);
    before = vol.stream(0, AttributeType.data, "").size / vol.boot.mftRecordSize;
    const writer = vol.writer();
    if (hint) writer.expectRecords(count + 1);
    writer.mkdir("/many");
    for (let i = 0; i < count; i++) writer.createFile(`/many/f-${i}.txt`, new TextEncoder().encode(`file ${i}\n`));
    writer.commit();
  } finally {
    device.close();
  }
  const readDevice = new FileDevice(image);
  try {
    const again = new ReadableNtfsVolume(readDevice);
    const after = again.stream(0, AttributeType.data, "").size / again.boot.mftRecordSize;
    const bitmap = again.stream(0, AttributeType.bitmap, "").read(0, Math.ceil(after / 8));
    for (let i = 0; i < count; i++) expect(again.resolve(`/many/f-${i}.txt`), `f-${i}`).toBeDefined();
    return { before, after, inUse: (record) => (bitmap[record >> 3] & (1 << (record & 7))) !== 0 };
  } finally {
    readDevice.close();
  }
}

describe.skipIf(!toolsAvailable("mkntfs"))("$MFT growth with expectRecords", () => {
  const count = 2 * MFT_GROWTH_RECORDS + 100;

  it("grows once, by what the session still needs: every record up to the new end is in use", () => {
    const { before, after, inUse } = session(count, true);
    expect(after).toBeGreaterThan(before);
    expect(after - before).toBeLessThanOrEqual(count + 1);
    for (let record = before; record < after; record++) expect(inUse(record), `record ${record}`).toBe(true);
  });

  it("without it, grows by MFT_GROWTH_RECORDS at a time and leaves the rest of the last growth free", () => {
    const { before, after, inUse } = session(count, false);
    expect((after - before) % MFT_GROWTH_RECORDS).toBe(0);
    expect(inUse(after - 1)).toBe(false);
  });
});
