import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NtfsError, P2vfixError } from "../../../src/errors.js";
import { isBitLockerBootSector, parseBootSector } from "../../../src/fs/ntfs/boot-sector.js";
import { corpusPath, hasCorpus } from "../../helpers/corpus.js";
import { fixtureBytes } from "./helpers.js";

const boot = (name: string) => new Uint8Array(readFileSync(corpusPath(`images/dfir_ntfs/${name}`)));

describe.skipIf(!hasCorpus())("NTFS boot sector (corpus samples)", () => {
  it.each([
    // file, bytes/sector, cluster, MFT record, index record, 0x55AA
    ["512.boot", 512, 512, 1024, 4096, true],
    ["4k.boot", 512, 4096, 1024, 4096, true],
    ["4kn.boot", 4096, 4096, 4096, 4096, true],
    ["64k.boot", 512, 65536, 1024, 4096, true],
    ["128k.boot", 512, 131072, 1024, 4096, true],
    ["nobootcode.boot", 512, 4096, 1024, 4096, false],
  ] as const)("%s", (file, bytesPerSector, clusterSize, mftRecordSize, indexRecordSize, signature) => {
    const b = parseBootSector(boot(file));
    expect({ bytesPerSector: b.bytesPerSector, clusterSize: b.clusterSize, mftRecordSize: b.mftRecordSize, indexRecordSize: b.indexRecordSize, hasBootSignature: b.hasBootSignature }).toEqual({
      bytesPerSector,
      clusterSize,
      mftRecordSize,
      indexRecordSize,
      hasBootSignature: signature,
    });
  });

  it("decodes 128k.boot's sectors-per-cluster byte 0xF8 as 2^(256-248)", () => {
    const bytes = boot("128k.boot");
    expect(bytes[13]).toBe(0xf8);
    expect(parseBootSector(bytes).sectorsPerCluster).toBe(256);
  });
});

describe("NTFS boot sector", () => {
  const fixtureBoot = () => fixtureBytes("windows").slice(0, 512);

  it("reads the fixture's geometry and serial", () => {
    const b = parseBootSector(fixtureBoot());
    expect(b.clusterSize).toBe(4096);
    expect(b.totalSectors).toBe(16 * 2048 - 1); // the backup boot sector is not counted
    expect(b.serial).toMatch(/^[0-9a-f]{16}$/);
  });

  it("refuses BitLocker clearly", () => {
    const bytes = fixtureBoot();
    bytes.set(new TextEncoder().encode("-FVE-FS-"), 3);
    expect(isBitLockerBootSector(bytes)).toBe(true);
    expect(() => parseBootSector(bytes)).toThrow(expect.objectContaining({ code: "bitlocker" }));
  });

  it("refuses an MBR, bad sizes and an MFT outside the volume", () => {
    const mbr = new Uint8Array(512);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    expect(() => parseBootSector(mbr)).toThrow(expect.objectContaining({ code: "not-ntfs" }));
    const badSpc = fixtureBoot();
    badSpc[13] = 3;
    expect(() => parseBootSector(badSpc)).toThrow(NtfsError);
    const badRecord = fixtureBoot();
    badRecord[64] = 0x7f;
    expect(() => parseBootSector(badRecord)).toThrow(expect.objectContaining({ code: "bad-boot-sector", offset: 64 }));
    const badMft = fixtureBoot();
    new DataView(badMft.buffer).setBigUint64(48, 1n << 40n, true);
    expect(() => parseBootSector(badMft)).toThrow(expect.objectContaining({ code: "bad-boot-sector" }));
    expect(() => parseBootSector(new Uint8Array(100))).toThrow(expect.objectContaining({ code: "truncated" }));
  });

  it("gives a typed error or a sane result for any mutation", () => {
    const original = fixtureBoot();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(511), fc.nat(255)), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = original.slice();
        for (const [at, value] of edits) bytes[at] = value;
        try {
          const b = parseBootSector(bytes);
          expect(b.clusterSize & (b.clusterSize - 1)).toBe(0);
          expect(b.mftLcn * b.sectorsPerCluster).toBeLessThan(b.totalSectors);
        } catch (err) {
          expect(err).toBeInstanceOf(P2vfixError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
