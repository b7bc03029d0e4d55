/**
 * Damaged and hostile partition tables: typed errors or a documented fallback, never a
 * crash or a hang. Damage is applied through an overlay on the generated fixtures.
 */
import fc from "fast-check";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { P2vfixError, PartitionError } from "../../src/errors.js";
import { MemoryDevice, OverlayDevice } from "../../src/io/index.js";
import { readPartitionTable } from "../../src/partition/index.js";
import { fixtureBytes } from "../helpers/fixtures.js";

const gpt512 = new MemoryDevice(fixtureBytes("partition/gpt-512.img"), { writable: false });
const mbrExtended = new MemoryDevice(fixtureBytes("partition/mbr-extended.img"), { writable: false });
const reference = readPartitionTable(gpt512);

const u32 = (d: OverlayDevice, off: number) => new DataView(d.read(off, 4).buffer).getUint32(0, true);
const putU32 = (d: OverlayDevice, off: number, v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  d.write(off, b);
};
const putU64 = (d: OverlayDevice, off: number, v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  d.write(off, b);
};
const flip = (d: OverlayDevice, off: number) => d.write(off, new Uint8Array([d.read(off, 1)[0] ^ 0xff]));

/** Re-seals a GPT copy (entry array CRC, then header CRC) after an edit. */
function resealGpt(d: OverlayDevice, headerOffset: number): void {
  const entriesLba = Number(new DataView(d.read(headerOffset + 72, 8).buffer).getBigUint64(0, true));
  const count = u32(d, headerOffset + 80);
  const size = u32(d, headerOffset + 84);
  putU32(d, headerOffset + 88, crc32(d.read(entriesLba * 512, count * size)));
  putU32(d, headerOffset + 16, 0);
  putU32(d, headerOffset + 16, crc32(d.read(headerOffset, u32(d, headerOffset + 12))));
}

const backupHeaderOffset = gpt512.size - 512;
const summary = (t: ReturnType<typeof readPartitionTable>) => t.partitions.map((p) => [p.index, p.start, p.size, p.type, p.name]);

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PartitionError);
    expect((err as PartitionError).code).toBe(code);
    return;
  }
  throw new Error(`expected a PartitionError with code ${code}`);
}

describe("GPT damage", () => {
  it("a corrupt primary header CRC falls back to the backup, with a warning", () => {
    const d = new OverlayDevice(gpt512);
    flip(d, 512 + 40); // FirstUsableLBA byte: header CRC no longer matches
    const t = readPartitionTable(d);
    expect(summary(t)).toEqual(summary(reference));
    expect(t.warnings.join("\n")).toMatch(/primary GPT is damaged.*gpt-header-crc/);
  });

  it("a corrupt primary entry array falls back to the backup", () => {
    const d = new OverlayDevice(gpt512);
    flip(d, 1024 + 60); // inside partition 1's name
    const t = readPartitionTable(d);
    expect(summary(t)).toEqual(summary(reference));
    expect(t.warnings.join("\n")).toMatch(/gpt-entries-crc/);
  });

  it("a damaged backup is reported while the primary is used", () => {
    const d = new OverlayDevice(gpt512);
    flip(d, backupHeaderOffset + 40);
    const t = readPartitionTable(d);
    expect(summary(t)).toEqual(summary(reference));
    expect(t.warnings.join("\n")).toMatch(/backup GPT is missing or damaged/);
  });

  it("both headers damaged is a typed error naming both", () => {
    const d = new OverlayDevice(gpt512);
    flip(d, 512 + 40);
    flip(d, backupHeaderOffset + 40);
    expectCode(() => readPartitionTable(d), "gpt-corrupt");
  });

  it("a protective MBR with no GPT at all is a typed error", () => {
    const d = new OverlayDevice(gpt512);
    d.write(512, new Uint8Array(512));
    d.write(backupHeaderOffset, new Uint8Array(512));
    expectCode(() => readPartitionTable(d), "gpt-corrupt");
  });

  it("a partition past the end of the disk is listed with a warning; its bytes are refused", () => {
    const d = new OverlayDevice(gpt512);
    putU64(d, 1024 + 3 * 128 + 40, 10_000_000); // partition 4 LastLBA
    resealGpt(d, 512);
    const t = readPartitionTable(d);
    expect(t.warnings.join("\n")).toMatch(/partition 4 .*past the end of the disk/);
    expectCode(() => t.partitions[3].device, "partition-beyond-disk");
    expect(t.partitions[0].device.size).toBe(40 * 1024 * 1024);
  });

  it("an entry ending before it starts is a typed error (primary and backup both checked)", () => {
    const d = new OverlayDevice(gpt512);
    putU64(d, 1024 + 40, 5); // partition 1 LastLBA < FirstLBA
    resealGpt(d, 512);
    expectCode(() => readPartitionTable(d), "gpt-bad-entry");
  });

  it("an absurd entry count is refused before any large read", () => {
    const d = new OverlayDevice(gpt512);
    putU32(d, 512 + 80, 0x7fffffff);
    putU32(d, 512 + 16, 0);
    putU32(d, 512 + 16, crc32(d.read(512, 92)));
    const t = readPartitionTable(d); // primary refused, backup used
    expect(t.warnings.join("\n")).toMatch(/gpt-too-many-entries/);
  });
});

describe("MBR damage", () => {
  /** EBR sectors of the fixture, in chain order. */
  function ebrChain(d: OverlayDevice): number[] {
    const extStart = 10240;
    const chain = [extStart];
    for (;;) {
      const next = u32(d, chain[chain.length - 1] * 512 + 446 + 16 + 8);
      if (next === 0) return chain;
      chain.push(extStart + next);
    }
  }

  it("an EBR chain that loops is a typed error", () => {
    const d = new OverlayDevice(mbrExtended);
    const chain = ebrChain(d);
    expect(chain).toHaveLength(3);
    const last = chain[2] * 512 + 446 + 16;
    d.write(last + 4, new Uint8Array([0x05]));
    putU32(d, last + 8, chain[1] - 10240); // back to the second EBR
    putU32(d, last + 12, 100);
    expectCode(() => readPartitionTable(d), "ebr-loop");
  });

  it("an EBR pointing outside the extended partition is a typed error", () => {
    const d = new OverlayDevice(mbrExtended);
    putU32(d, 10240 * 512 + 446 + 16 + 8, 1_000_000);
    expectCode(() => readPartitionTable(d), "ebr-out-of-range");
  });

  it("a zeroed disk and a tiny one are typed errors", () => {
    expectCode(() => readPartitionTable(new MemoryDevice(new Uint8Array(4096))), "no-partition-table");
    expectCode(() => readPartitionTable(new MemoryDevice(new Uint8Array(100))), "disk-too-small");
    expectCode(() => readPartitionTable(new MemoryDevice(new Uint8Array(4096)), { sectorSize: 1000 }), "bad-sector-size");
  });
});

describe("mutation (fast-check)", () => {
  /** Reading the table and the first and last sector of every partition inside the disk. */
  function exercise(d: OverlayDevice): void {
    try {
      const t = readPartitionTable(d);
      for (const p of t.partitions) {
        if (p.start + p.size > d.size || p.size === 0) continue;
        p.device.read(0, Math.min(512, p.size));
        p.device.read(p.size - Math.min(512, p.size), Math.min(512, p.size));
      }
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
    }
  }

  it("random byte damage in the GPT structures gives a table or a typed error", () => {
    const regions = [0, 512, 1024, 1024 + 4 * 128, backupHeaderOffset, backupHeaderOffset - 32 * 512];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...regions), fc.integer({ min: 0, max: 511 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (edits) => {
          const d = new OverlayDevice(gpt512);
          for (const [base, off, value] of edits) d.write(base + off, new Uint8Array([value]));
          exercise(d);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random damage to the MBR and EBR entries gives a table or a typed error", () => {
    const sectors = [0, 10240, 16384, 22528]; // MBR and the three EBRs
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...sectors), fc.integer({ min: 446, max: 511 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        (edits) => {
          const d = new OverlayDevice(mbrExtended);
          for (const [sector, off, value] of edits) d.write(sector * 512 + off, new Uint8Array([value]));
          exercise(d);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("4Kn GPT with a damaged primary header", () => {
  it("finds the backup at the 4096-byte last sector", () => {
    const disk = new MemoryDevice(fixtureBytes("partition/gpt-4096.img"), { writable: false });
    const reference4k = readPartitionTable(disk);
    const d = new OverlayDevice(disk);
    d.write(4096, new Uint8Array(8)); // erase "EFI PART" of the primary
    const t = readPartitionTable(d);
    expect(t.sectorSize).toBe(4096);
    expect(summary(t)).toEqual(summary(reference4k));
    expect(t.warnings.join("\n")).toMatch(/primary GPT is damaged/);
  });
});
