/**
 * The MFT zone filling up: new file data stays outside the zone while there is room, then goes
 * into it (as Windows and ntfs-3g do once the rest of the volume is full), and past the last free
 * cluster the write is refused with the volume unchanged. ntfsfix and sleuthkit read the result.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { FileDevice } from "../../../src/io/index.js";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { mftZone } from "../../../src/fs/ntfs/write/cluster-bitmap.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { mkntfsVolume, sha, tempDir } from "./create-helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Free clusters inside and outside the MFT zone, per $Bitmap. */
function freeByZone(vol: NtfsVolume): { inside: number; outside: number } {
  const bitmap = vol.readFile("/$Bitmap");
  const zone = mftZone(vol);
  let inside = 0;
  let outside = 0;
  for (let lcn = 0; lcn < vol.geometry.totalClusters; lcn++) {
    if (bitmap[lcn >> 3] & (1 << (lcn & 7))) continue;
    if (lcn >= zone.start && lcn < zone.end) inside++;
    else outside++;
  }
  return { inside, outside };
}

const zeros = (size: number) => ({ size, read: (_o: number, l: number) => new Uint8Array(l).fill(0x5a) });

describe.skipIf(!toolsAvailable("mkntfs", "ntfsfix", "ifind", "icat"))("a full MFT zone", () => {
  it("data goes outside the zone first, into it when the rest is full, and past the end is refused with nothing written", () => {
    const dir = tempDir();
    dirs.push(dir);
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 24 });
    const device = new FileDevice(image, { writable: true });
    let vol = openNtfs(device);
    const cs = vol.geometry.clusterSize;
    const zone = mftZone(vol);
    const free = freeByZone(vol);
    expect(free.inside).toBeGreaterThan(16);
    // Leave a few clusters outside for the folder index and $MFT's own growth.
    vol.createFile("/fill.bin", zeros((free.outside - 8) * cs));
    vol = openNtfs(device);
    const fill = vol.stream(vol.stat("/fill.bin")!.id!, AttributeType.data, "");
    expect(fill.runs.every((r) => r.lcn === null || r.lcn + r.length <= zone.start || r.lcn >= zone.end)).toBe(true);
    const content = new Uint8Array(12 * cs).map((_, i) => (i * 31) & 0xff);
    vol.createFile("/in-zone.bin", content);
    vol = openNtfs(device);
    const inZone = vol.stream(vol.stat("/in-zone.bin")!.id!, AttributeType.data, "");
    expect(inZone.runs.some((r) => r.lcn !== null && r.lcn >= zone.start && r.lcn < zone.end)).toBe(true);
    const before = sha(readFileSync(image));
    const left = freeByZone(vol);
    expect(() => vol.createFile("/too-much.bin", zeros((left.inside + left.outside + 1) * cs))).toThrow(expect.objectContaining({ code: "volume-full" }));
    device.close();
    expect(sha(readFileSync(image))).toBe(before);
    expect(runTool("ntfsfix", ["-n", image]).status).toBe(0);
    const inode = runTool("ifind", ["-n", "/in-zone.bin", image]).stdout.toString().trim();
    expect(sha(runTool("icat", [image, inode]).stdout)).toBe(sha(content));
  });
});
