/**
 * Hives read on demand (cells read from the file as they are visited) read exactly what a hive
 * read whole does: every corpus primary gives the same .reg export and counts, with the unread
 * bytes poisoned so that a read of a chunk that was never loaded shows up as a difference.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { RegfError } from "../../src/errors.js";
import { MemoryDevice } from "../../src/io/memory-device.js";
import { exportReg } from "../../src/regf/export/reg-export.js";
import { Hive } from "../../src/regf/hive.js";
import { CHUNK_SIZE, OnDemandBytes, type ByteSource } from "../../src/regf/on-demand-bytes.js";
import { openHiveFile, openHiveOnDemand } from "../../src/regf/open.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { manifestHives } from "./manifest.js";

const POISON = 0xa5;

/** A source over bytes that counts what was read from it. */
class CountingSource implements ByteSource {
  readonly device: MemoryDevice;
  bytesRead = 0;
  reads = 0;
  closed = false;
  constructor(bytes: Uint8Array) {
    this.device = new MemoryDevice(bytes, { writable: false });
  }
  get size(): number {
    return this.device.size;
  }
  read(position: number, length: number): Uint8Array {
    this.reads++;
    this.bytesRead += length;
    return this.device.read(position, length);
  }
  close(): void {
    this.closed = true;
  }
}

function outcome(run: () => string): { text: string } | { code: string } {
  try {
    return { text: run() };
  } catch (err) {
    if (err instanceof RegfError) return { code: err.code };
    throw err;
  }
}

describe.skipIf(!hasCorpus())(`on-demand hives match whole-file hives on the corpus (${hasCorpus() ? "" : noCorpusReason})`, () => {
  const primaries = hasCorpus() ? manifestHives().filter((h) => h.primary) : [];

  for (const h of primaries) {
    it(h.file, async () => {
      const bytes = await corpusBytes(`hives/${h.file}`);
      const source = new CountingSource(bytes);
      // Small chunks: many cells cross a chunk edge.
      const lazy = openHiveOnDemand(source, [], h.file, { poison: POISON, chunkSize: 1024 });
      let whole: Hive;
      try {
        whole = new Hive(bytes);
      } catch (err) {
        // A hive that does not open whole opens on demand only when the fault is beyond the first
        // bin (the bins are not all walked); reading it then fails with a typed error too.
        expect(err).toBeInstanceOf(RegfError);
        if (lazy) expect(outcome(() => exportReg(lazy.root()))).toHaveProperty("code");
        else expect(source.closed).toBe(true);
        return;
      }
      const clean = whole.baseBlock.primarySequence === whole.baseBlock.secondarySequence && whole.dataSizeSource === "base-block";
      if (!lazy) {
        expect(clean, "a clean, sound hive opens on demand").toBe(false);
        expect(source.closed).toBe(true);
        return;
      }
      expect(source.bytesRead).toBeLessThanOrEqual(Math.max(4096, bytes.length));
      expect(outcome(() => exportReg(lazy.root()))).toEqual(outcome(() => exportReg(whole.root())));
      expect(lazy.dataSize).toBe(whole.dataSize);
      // Bytes asked for whole are the file's, wherever the reader has not been yet.
      expect(Buffer.compare(lazy.bytes, bytes)).toBe(0);
      lazy.close();
      expect(source.closed).toBe(true);
    });
  }
});

describe.skipIf(!hasCorpus())(`on-demand reading reads only what is visited (${hasCorpus() ? "" : noCorpusReason})`, () => {
  it("one value of the 11.8 MB regipy SYSTEM reads a few chunks, not the file", async () => {
    const bytes = await corpusBytes("hives/regipy/SYSTEM.xz");
    const source = new CountingSource(bytes);
    const hive = openHiveOnDemand(source, [], "SYSTEM", { poison: POISON })!;
    const whole = new Hive(bytes);
    const path = "ControlSet001\\Control\\ComputerName\\ComputerName";
    expect(hive.key(path)!.value("ComputerName")!.string()).toBe(whole.key(path)!.value("ComputerName")!.string());
    expect(source.bytesRead).toBeLessThan(bytes.length / 20);
  });

  it("a closed hive refuses to read what it has not read yet, with a typed error", async () => {
    const bytes = await corpusBytes("hives/regipy/SYSTEM.xz");
    const hive = openHiveOnDemand(new CountingSource(bytes), [], "SYSTEM")!;
    hive.close();
    expect(() => exportReg(hive.root())).toThrow(expect.objectContaining({ code: "closed" }));
  });

  describe("host files", () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-on-demand-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("openHiveFile({ onDemand }) gives the same export as a whole read and keeps the file only until close", async () => {
      const path = join(dir, "SYSTEM");
      writeFileSync(path, await corpusBytes("hives/dfwinreg/SYSTEM"));
      const lazy = openHiveFile(path, { useLogs: false, onDemand: true });
      const whole = openHiveFile(path, { useLogs: false });
      expect(exportReg(lazy.root())).toBe(exportReg(whole.root()));
      lazy.close();
      expect(() => lazy.bytes).toThrow(expect.objectContaining({ code: "closed" }));
    });

    it("a dirty hive is read whole and recovered from its logs, as without onDemand", async () => {
      for (const n of ["NewDirtyHive", "NewDirtyHive.LOG1", "NewDirtyHive.LOG2"]) writeFileSync(join(dir, n), await corpusBytes(`hives/yarp/NewDirtyHive1/${n}`));
      const lazy = openHiveFile(join(dir, "NewDirtyHive"), { onDemand: true });
      const whole = openHiveFile(join(dir, "NewDirtyHive"));
      expect(lazy.recovery?.recovered).toBe(true);
      expect(lazy.recovery?.appliedLogs).toEqual(whole.recovery?.appliedLogs);
      expect(exportReg(lazy.root())).toBe(exportReg(whole.root()));
    });

    it("a file cut short gives the same typed error as a whole read", async () => {
      const path = join(dir, "cut");
      writeFileSync(path, (await corpusBytes("hives/dfwinreg/SYSTEM")).subarray(0, 3 * CHUNK_SIZE));
      const whole = (() => {
        try {
          openHiveFile(path, { useLogs: false });
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(whole).toBeInstanceOf(RegfError);
      expect(() => openHiveFile(path, { useLogs: false, onDemand: true })).toThrow(expect.objectContaining({ code: (whole as RegfError).code }));
    });
  });
});

describe("OnDemandBytes", () => {
  it("after any sequence of ensure() calls, every ensured byte is the source's and nothing is read twice", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 * CHUNK_SIZE }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 * CHUNK_SIZE })), { maxLength: 12 }),
        fc.constantFrom(512, 4096, CHUNK_SIZE),
        (size, ranges, chunkSize) => {
          const data = new Uint8Array(size);
          for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
          const source = new CountingSource(data);
          const lazy = new OnDemandBytes(source, data.subarray(0, Math.min(size, 4096)), "test", { poison: POISON, chunkSize });
          for (const [start, length] of ranges) {
            const position = start % size;
            lazy.ensure(position, length);
            const end = Math.min(size, position + length);
            expect(Buffer.compare(lazy.bytes.subarray(position, end), data.subarray(position, end))).toBe(0);
          }
          expect(source.bytesRead).toBeLessThanOrEqual(size);
          expect(Buffer.compare(lazy.all(), data)).toBe(0);
          expect(source.bytesRead).toBeLessThanOrEqual(size);
        },
      ),
      { numRuns: 200 },
    );
  });
});
