/**
 * What one writer session keeps between operations (create/ntfs-writer.ts): resolved folder
 * paths, each folder's security for new files, the $MFT bitmap and the slots read ahead
 * (create/mft-allocation.ts MftRecordAllocator). Each must follow the session's own
 * removals and record reuse; the results are read back by a fresh reader after commit.
 */
import { describe, expect, it } from "vitest";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { openNtfs, type ReadableNtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { PendingWrites } from "../../../src/fs/ntfs/write/pending-writes.js";
import { commitRecord, loadRecord } from "../../../src/fs/ntfs/write/record-edit.js";
import { MemoryDevice } from "../../../src/io/index.js";
import { fixtureBytes } from "./helpers.js";
import { bitmapMismatches } from "./create-helpers.js";

const text = (value: string) => new TextEncoder().encode(value);

function fresh(): MemoryDevice {
  return new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
}

/** The security id in a record's $STANDARD_INFORMATION (u32 at 52), and whether it has a $SECURITY_DESCRIPTOR. */
function securityOf(vol: ReadableNtfsVolume, path: string | number): { id: number; descriptor: boolean } {
  const attributes = vol.attributes(typeof path === "number" ? path : vol.resolve(path)!.record);
  const si = attributes.find((attribute) => attribute.type === AttributeType.standardInformation);
  if (!si?.resident) throw new Error(`${path}: no resident $STANDARD_INFORMATION`);
  // NTFS 1.x-sized (48-byte) $STANDARD_INFORMATION has no security id.
  const id = si.value.length >= 72 ? new DataView(si.value.buffer, si.value.byteOffset, si.value.byteLength).getUint32(52, true) : 0;
  return { id, descriptor: attributes.some((attribute) => attribute.type === AttributeType.securityDescriptor) };
}

describe("one writer session's kept state", () => {
  it("records taken one after another keep each other's $MFT bitmap bits, across $MFT growth", () => {
    const device = fresh();
    expect(bitmapMismatches(openNtfs(device))).toEqual([]);
    const w = openNtfs(device).writer();
    w.mkdir("/bits");
    // Enough to fill the free records and grow $MFT at least once.
    for (let i = 0; i < 300; i++) w.createFile(`/bits/f-${i}.txt`, text(`file ${i}`));
    w.commit();
    const again = openNtfs(device);
    expect(bitmapMismatches(again)).toEqual([]);
    expect(again.list("/bits")).toHaveLength(300);
  });

  it("a record freed in the session is the next one taken, its sequence number advanced", () => {
    const device = fresh();
    const w = openNtfs(device).writer();
    w.mkdir("/reuse");
    const first = w.createFile("/reuse/first.txt", text("first"));
    w.createFile("/reuse/second.txt", text("second"));
    const sequence = w.vol.record(first).sequence;
    w.remove("/reuse/first.txt");
    const third = w.createFile("/reuse/third.txt", text("third"));
    w.commit();
    expect(third).toBe(first);
    const again = openNtfs(device);
    expect(again.record(third).sequence).toBe(sequence + 1);
    expect(again.list("/reuse").map((file) => file.name)).toEqual(["second.txt", "third.txt"]);
    expect(new TextDecoder().decode(again.readFile("/reuse/third.txt"))).toBe("third");
    expect(bitmapMismatches(again)).toEqual([]);
  });

  it("a folder path resolved before its folder was removed is resolved again (its record now a file)", () => {
    const device = fresh();
    const w = openNtfs(device).writer();
    w.mkdir("/s");
    w.mkdir("/s/a");
    w.createFile("/s/a/x.txt", text("x"));
    w.remove("/s/a", { recursive: true });
    // The freed records go to a file, then to the new /s/a: "/s/a" now names another record.
    w.createFile("/s/b.txt", text("b"));
    w.mkdir("/s/a");
    w.createFile("/s/a/y.txt", text("y"));
    w.commit();
    const again = openNtfs(device);
    expect(again.list("/s").map((file) => file.name)).toEqual(["a", "b.txt"]);
    expect(again.list("/s/a").map((file) => file.name)).toEqual(["y.txt"]);
    expect(new TextDecoder().decode(again.readFile("/s/b.txt"))).toBe("b");
    expect(new TextDecoder().decode(again.readFile("/s/a/y.txt"))).toBe("y");
  });

  it("a removed folder's security is not given to the files of the folder that takes its record", () => {
    const device = fresh();
    openNtfs(device).mkdir("/shared");
    // The volume's folders have no security id (their new files get the Everyone descriptor);
    // "/shared" is given id 256, which $MFTMirr's $STANDARD_INFORMATION uses (so $Secure has it).
    const vol = openNtfs(device);
    expect(securityOf(vol, 1).id).toBe(256);
    const shared = vol.resolve("/shared")!.record;
    const edit = loadRecord(vol, shared);
    const si = edit.parsed.attributes.find((attribute) => attribute.type === AttributeType.standardInformation)!;
    // Offsets of a loaded record are relative to the record; the value offset is at 20 in the attribute.
    const valueAt = si.offset + (edit.bytes[si.offset + 20] | (edit.bytes[si.offset + 21] << 8));
    new DataView(edit.bytes.buffer, edit.bytes.byteOffset).setUint32(valueAt + 52, 256, true);
    const pending = new PendingWrites();
    commitRecord(vol, edit, pending);
    pending.apply(device);

    const w = openNtfs(device).writer();
    const x = w.createFile("/shared/x.txt", text("x"));
    expect(securityOf(w.vol, x)).toEqual({ id: 256, descriptor: false });
    w.remove("/shared", { recursive: true });
    const plain = w.mkdir("/plain");
    w.createFile("/plain/y.txt", text("y"));
    w.commit();
    expect(plain).toBe(shared);
    const again = openNtfs(device);
    expect(securityOf(again, "/plain")).toEqual({ id: 0, descriptor: true });
    expect(securityOf(again, "/plain/y.txt")).toEqual({ id: 0, descriptor: true });
  });
});
