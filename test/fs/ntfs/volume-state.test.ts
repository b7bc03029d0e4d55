import { describe, expect, it } from "vitest";
import { MemoryDevice, SliceDevice } from "../../../src/io/index.js";
import { AttributeType } from "../../../src/fs/ntfs/attribute.js";
import { parseLogFileState } from "../../../src/fs/ntfs/log-file.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { isBitLockerVolume, volumeState } from "../../../src/fs/ntfs/volume-state.js";
import { corpusBytes, hasCorpus } from "../../helpers/corpus.js";
import { fixtureBytes, fixtureDevice } from "./helpers.js";

describe("NTFS volume state", () => {
  it("windows.ntfs: clean, not hibernated, $LogFile reset by ntfs-3g", () => {
    const state = volumeState(openNtfs(fixtureDevice("windows")));
    expect(state).toMatchObject({ dirty: false, volumeFlags: 0, logFileClean: true, hibernated: { file: false, active: false }, bitlocker: false, label: "P2VFIX-WIN", version: "3.1" });
  });

  it("hibernated.ntfs: hiberfil.sys starts with hibr", () => {
    const state = volumeState(openNtfs(fixtureDevice("hibernated")));
    expect(state.hibernated).toEqual({ file: true, signature: "hibr", active: true });
    expect(state.dirty).toBe(false);
  });

  it("dirty.ntfs: the dirty flag set by ntfsfix; a resumed (wake) hiberfil.sys is not active", () => {
    const state = volumeState(openNtfs(fixtureDevice("dirty")));
    expect(state.dirty).toBe(true);
    expect(state.volumeFlags & 1).toBe(1);
    expect(state.hibernated).toEqual({ file: true, signature: "wake", active: false });
  });

  it("recognises BitLocker before trying to open the volume", () => {
    const bytes = fixtureBytes("dirty").slice(0, 1024 * 1024);
    expect(isBitLockerVolume(new MemoryDevice(bytes))).toBe(false);
    bytes.set(new TextEncoder().encode("-FVE-FS-"), 3);
    const device = new MemoryDevice(bytes);
    expect(isBitLockerVolume(device)).toBe(true);
    expect(() => openNtfs(device)).toThrow(expect.objectContaining({ code: "bitlocker" }));
  });
});

describe.skipIf(!hasCorpus())("NTFS $LogFile restart area (volume made on Windows)", () => {
  const open = async () => {
    const disk = new MemoryDevice(await corpusBytes("images/dfir_ntfs/ntfs_index.raw.gz"), { writable: false });
    return openNtfs(new SliceDevice(disk, 128 * 512, disk.size - 128 * 512));
  };

  it("reads a clean restart area, version 1.1", async () => {
    const vol = await open();
    const state = volumeState(vol);
    expect(state.logFileClean).toBe(true);
    expect(state.logFileVersion).toBe("1.1");
    expect(state.dirty).toBe(false);
  });

  it("calls the log dirty when a client is in use and the clean flag is off, in the newest page", async () => {
    const vol = await open();
    const head = vol.stream(2, AttributeType.data, "").read(0, 8192);
    expect(parseLogFileState(head).state).toBe("clean");
    for (const page of [0, 4096]) {
      const area = page + (head[page + 24] | (head[page + 25] << 8));
      head[area + 12] = 0; // client in-use list: client 0
      head[area + 13] = 0;
      head[area + 14] = 0; // flags: clean bit off
    }
    expect(parseLogFileState(head)).toMatchObject({ state: "dirty", version: "1.1" });
    head.fill(0xff);
    expect(parseLogFileState(head).state).toBe("empty");
    // One byte that is not 0xFF, anywhere (first, middle, last), and the log is not empty: parsed, and refused here.
    for (const at of [0, 1, 4095, head.length - 1]) {
      head[at] = 0xfe;
      expect(() => parseLogFileState(head), `byte ${at}`).toThrow(expect.objectContaining({ code: "bad-logfile" }));
      head[at] = 0xff;
    }
    head.fill(0);
    expect(() => parseLogFileState(head)).toThrow(expect.objectContaining({ code: "bad-logfile" }));
  });
});
