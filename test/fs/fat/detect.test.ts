/** detectFileSystem on real boot sectors: NTFS variants from the corpus, FAT fixtures, BitLocker, junk. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectFileSystem, detectFileSystemFromBootSector } from "../../../src/fs/detect.js";
import { MemoryDevice } from "../../../src/io/index.js";
import { corpusPath, hasCorpus, noCorpusReason } from "../../helpers/corpus.js";
import { fixtureBytes } from "../../helpers/fixtures.js";

describe.skipIf(!hasCorpus())(`NTFS boot sectors from the corpus (${noCorpusReason})`, () => {
  for (const name of ["512.boot", "4k.boot", "4kn.boot", "64k.boot", "128k.boot", "nobootcode.boot"]) {
    it(name, () => {
      const sector = new Uint8Array(readFileSync(corpusPath(`images/dfir_ntfs/${name}`)));
      expect(detectFileSystem(new MemoryDevice(sector))).toBe("ntfs");
    });
  }

  it("a BitLocker volume (OEM id -FVE-FS-) is told apart from NTFS", () => {
    const sector = new Uint8Array(readFileSync(corpusPath("images/dfir_ntfs/512.boot")));
    sector.set(new TextEncoder().encode("-FVE-FS-"), 3);
    expect(detectFileSystemFromBootSector(sector)).toBe("bitlocker");
  });

  it("MBR sectors are not volumes", () => {
    for (const name of ["mbr-512-p0.bin", "mbr-512-p1.bin", "mbr-512-p4.bin"]) {
      expect(detectFileSystemFromBootSector(new Uint8Array(readFileSync(corpusPath(`images/dfir_ntfs/${name}`))).subarray(0, 512)), name).toBe("unknown");
    }
  });
});

describe("FAT and junk", () => {
  it("FAT type comes from the cluster count", () => {
    for (const type of ["fat12", "fat16", "fat32"] as const) {
      expect(detectFileSystemFromBootSector(fixtureBytes(`fat/${type}.img`).subarray(0, 512))).toBe(type);
    }
  });

  it("zeros, short devices and random bytes are unknown", () => {
    expect(detectFileSystem(new MemoryDevice(new Uint8Array(4096)))).toBe("unknown");
    expect(detectFileSystem(new MemoryDevice(new Uint8Array(100)))).toBe("unknown");
    const junk = new Uint8Array(512).map((_, i) => (i * 131 + 17) & 0xff);
    expect(detectFileSystemFromBootSector(junk)).toBe("unknown");
  });
});
