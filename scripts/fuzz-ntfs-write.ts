/**
 * Fuzzes the NTFS in-place write path (NtfsVolume.rewriteFile): the write.ntfs fixture with its
 * MFT and index records (mostly) or any bytes of the volume overwritten, then SOFTWARE rewritten
 * with new content of the same size. The mutation and the write go to two copy-on-write layers
 * over the fixture (no 16 MiB copy per input). Oracles: only P2vfixError escapes; after a write
 * the volume reopens and the file reads back as written (round trip); SYSTEM, which was not
 * written, reads the same before and after; nothing is written past the volume's end.
 *
 *   tsx scripts/fuzz-ntfs-write.ts [--runs N | --seconds S] [--seed S]
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { P2vfixError } from "../src/errors.js";
import { openNtfs } from "../src/fs/ntfs/volume.js";
import { MemoryDevice, OverlayDevice } from "../src/io/index.js";
import { fuzzMain, isMainModule, OracleFailure, type FuzzTarget } from "./fuzz-common.js";
import { metadataRanges } from "./fuzz-ntfs.js";

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), "../test/fixtures/ntfs/write.ntfs.gz");
const TARGET = "/Windows/System32/config/SOFTWARE";
const BYSTANDER = "/Windows/System32/config/SYSTEM";

/** A mutation is a list of (offset, bytes) patches, packed: u32 offset, u16 length, bytes. */
function packPatches(patches: [number, Uint8Array][]): Uint8Array {
  const out: number[] = [];
  for (const [at, bytes] of patches) out.push(at & 0xff, (at >>> 8) & 0xff, (at >>> 16) & 0xff, at >>> 24, bytes.length & 0xff, bytes.length >> 8, ...bytes);
  return Uint8Array.from(out);
}

function unpackPatches(input: Uint8Array): [number, Uint8Array][] {
  const patches: [number, Uint8Array][] = [];
  for (let i = 0; i + 6 <= input.length; ) {
    const at = (input[i] | (input[i + 1] << 8) | (input[i + 2] << 16) | (input[i + 3] << 24)) >>> 0;
    const length = input[i + 4] | (input[i + 5] << 8);
    patches.push([at, input.subarray(i + 6, i + 6 + length)]);
    i += 6 + length;
  }
  return patches;
}

export function ntfsWriteTarget(): FuzzTarget {
  const base = new Uint8Array(gunzipSync(readFileSync(FIXTURE)));
  const ranges = metadataRanges(base);
  const fresh = new Uint8Array(303104);
  for (let i = 0; i < fresh.length; i++) fresh[i] = (i * 31 + 7) & 0xff;
  return {
    name: "ntfs-write",
    seeds: [new Uint8Array()],
    mutate(_seeds, random) {
      const patches: [number, Uint8Array][] = [];
      for (let n = 1 + Math.floor(random() * 6); n > 0; n--) {
        let at: number;
        if (random() < 0.8) {
          const [start, length] = ranges[Math.floor(random() * ranges.length)];
          at = start + Math.floor(random() * length);
        } else at = Math.floor(random() * base.length);
        const len = random() < 0.5 ? 1 : 1 + Math.floor(random() * 8);
        const bytes = Uint8Array.from({ length: len }, () => (random() < 0.3 ? [0, 0xff][Math.floor(random() * 2)] : Math.floor(random() * 256)));
        patches.push([at, bytes]);
      }
      return packPatches(patches);
    },
    run(input) {
      const mutated = new OverlayDevice(new MemoryDevice(base, { writable: false }));
      for (const [at, bytes] of unpackPatches(input)) if (at + bytes.length <= base.length) mutated.write(at, bytes);
      const layer = new OverlayDevice(mutated);
      const vol = openNtfs(layer);
      let bystanderBefore: Uint8Array | undefined;
      try {
        bystanderBefore = vol.readFile(BYSTANDER);
      } catch (err) {
        if (!(err instanceof P2vfixError)) throw err;
      }
      vol.rewriteFile(TARGET, fresh);
      for (const w of layer.writes()) if (w.offset + w.data.length > base.length) throw new OracleFailure(`wrote past the end of the volume at ${w.offset}`);
      const after = openNtfs(layer);
      if (Buffer.compare(after.readFile(TARGET), fresh) !== 0) throw new OracleFailure("the rewritten file does not read back as written");
      if (bystanderBefore && Buffer.compare(after.readFile(BYSTANDER), bystanderBefore) !== 0) throw new OracleFailure("rewriting SOFTWARE changed what SYSTEM reads");
    },
    expected: (err) => err instanceof P2vfixError,
    perInputMs: 3000,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(ntfsWriteTarget, 300);
