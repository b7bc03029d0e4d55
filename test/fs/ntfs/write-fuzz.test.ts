/**
 * The writer on damaged volumes: random bytes of the file's MFT record, its directory's
 * record or an INDX node changed (then re-protected, so the damage reaches the parsers behind
 * the fixups). Every outcome must be a success whose content reads back, or a typed error
 * with nothing written.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../../src/errors.js";
import { MemoryDevice, OverlayDevice } from "../../../src/io/index.js";
import { openNtfs } from "../../../src/fs/ntfs/volume.js";
import { PendingWrites } from "../../../src/fs/ntfs/write/pending-writes.js";
import { commitRecord, loadRecord } from "../../../src/fs/ntfs/write/record-edit.js";
import { fixtureBytes } from "./helpers.js";
import { hiveLike, paths } from "./write-helpers.js";

const base = fixtureBytes("write");
const probe = openNtfs(new MemoryDevice(base, { writable: false }));
const targets = [paths.system, paths.inBigDirectory].map((path) => {
  const record = probe.resolve(path)!.record;
  const directory = probe.fileNames(record)[0].parent.record;
  return { path, record, directory };
});

describe("NtfsVolume.rewriteFile on damaged records", () => {
  it("succeeds and reads back, or throws a typed error having written nothing", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...targets),
        fc.boolean(),
        fc.array(fc.record({ at: fc.nat(1023), value: fc.nat(255) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1_400_000 }),
        (target, damageDirectory, damage, size) => {
          const device = new MemoryDevice(base.slice(), { writable: true });
          const vol = openNtfs(device);
          const edit = loadRecord(vol, damageDirectory ? target.directory : target.record);
          for (const d of damage) if (d.at >= 48) edit.bytes[d.at] = d.value; // keep the header's fixup fields
          const pending = new PendingWrites();
          commitRecord(vol, edit, pending);
          pending.apply(device);
          const overlay = new OverlayDevice(new MemoryDevice(device.bytes, { writable: false }));
          const data = hiveLike(size, size);
          try {
            openNtfs(overlay).rewriteFile(target.path, data);
          } catch (error) {
            if (!(error instanceof P2vfixError)) throw error;
            expect(overlay.writes()).toEqual([]);
            return;
          }
          expect(Buffer.from(openNtfs(overlay).readFile(target.path)).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
