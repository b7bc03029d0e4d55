/**
 * Undo file and journal decoders: mutated undo files (from a real encoder output) and journals.
 * Oracles: only ImageError escapes; every range of a decoded undo file has all its original bytes,
 * matching their SHA-256 (zeros for a zeroBefore range), and lies inside the file's sizes (what
 * restore relies on, re-checked here); a journal either parses into a known state or is refused.
 *
 *   tsx scripts/fuzz-undo-journal.ts [--runs N | --seconds S] [--seed S]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalState, readJournal } from "../src/apply/journal.js";
import { decodeUndoFile, encodeUndoFile, sha256 } from "../src/apply/undo-file.js";
import { ImageError } from "../src/errors.js";
import { fuzzMain, isMainModule, OracleFailure, type FuzzTarget } from "./fuzz-common.js";

function seeds(): Uint8Array[] {
  const bytes = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k) & 0xff);
  const undo = encodeUndoFile({
    image: { path: "/images/disk.img", size: 1 << 20, mtimeMs: 1, dev: 2, ino: 3 },
    changes: ["partition 2:Windows/System32/config/SYSTEM"],
    files: [
      { path: "/images/disk.img", originalSize: 1 << 20, newSize: (1 << 20) + 512, ranges: [{ offset: 4096, before: bytes(512, 3), after: bytes(512, 5) }, { offset: 65536, before: new Uint8Array(1024), after: bytes(1024, 9) }, { offset: 1 << 20, before: new Uint8Array(), after: bytes(512, 7) }] },
      { path: "/images/disk-flat.vmdk", originalSize: 8192, newSize: 8192, ranges: [{ offset: 0, before: bytes(100, 11), after: bytes(100, 13) }] },
    ],
    createdAt: new Date(0),
  });
  const journal = new TextEncoder().encode(JSON.stringify({ format: "p2vfix-journal", version: 1, state: "applying", undoFile: "disk.img.x.p2vfix-undo", updatedAt: "x", pid: 1 }, null, 2));
  return [undo, journal];
}

export function undoJournalTarget(): FuzzTarget {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-fuzz-journal-"));
  const image = join(dir, "disk.img");
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return {
    name: "undo-journal",
    seeds: seeds(),
    run(input) {
      if (input[0] === 0x50) {
        const undo = decodeUndoFile(input);
        for (const f of undo.header.files) {
          for (const r of f.ranges) {
            const before = undo.before(r);
            // What restore relies on, re-checked independently of the decoder's own checks.
            if (before.length !== r.beforeLength) throw new OracleFailure("stored bytes of a range have the wrong length");
            if (r.zeroBefore ? !before.every((b) => b === 0) : sha256(before) !== r.sha256Before) throw new OracleFailure(`original bytes of the range at ${r.offset} do not match what the header says`);
            if (r.offset + r.length > Math.max(f.originalSize, f.newSize)) throw new OracleFailure(`range at ${r.offset} ends past both file sizes`);
            if (r.offset < f.originalSize && r.beforeLength !== Math.min(r.length, f.originalSize - r.offset)) throw new OracleFailure(`range at ${r.offset} inside the old size lacks original bytes`);
          }
        }
        return;
      }
      writeFileSync(`${image}.p2vfix-journal`, input);
      const journal = readJournal(image);
      if (journal && !JournalState.includes(journal.state)) throw new OracleFailure(`journal state ${journal.state} accepted`);
    },
    expected: (err) => err instanceof ImageError,
    perInputMs: 1000,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(undoJournalTarget, 5000);
