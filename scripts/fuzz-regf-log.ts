/**
 * Transaction-log replay fuzzer: a dirty primary hive with its .LOG1/.LOG2 (new and old log
 * formats, from the corpus), one of the three mutated anywhere, through recoverHive.
 * Oracles: only RegfError escapes; a recovery that applied log data leaves a base block that is
 * clean (equal sequence numbers, right checksum) — what Windows writes after replaying; and the
 * recovered hive reads or is refused with a RegfError by the reader (fuzz-regf's exercise).
 *
 *   tsx scripts/fuzz-regf-log.ts [--runs N | --seconds S] [--seed S]
 */
import { NotFoundError, RegfError } from "../src/errors.js";
import { baseBlockChecksum } from "../src/regf/base-block.js";
import { recoverHive } from "../src/regf/log/recover.js";
import { fuzzMain, isMainModule, mutateAnywhere, OracleFailure, type FuzzTarget } from "./fuzz-common.js";
import { exercise } from "./fuzz-regf.js";

const SETS = [
  ["hives/yarp/NewDirtyHive1/NewDirtyHive", "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1", "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG2"],
  ["hives/yarp/OldDirtyHive/OldDirtyHive", "hives/yarp/OldDirtyHive/OldDirtyHive.LOG1", "hives/yarp/OldDirtyHive/OldDirtyHive.LOG2"],
];

/** Packs a primary and its logs into one input: u32 count, u32 lengths, then the files. */
function pack(files: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * files.length + files.reduce((n, f) => n + f.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, files.length, true);
  let at = 4 + 4 * files.length;
  files.forEach((f, i) => {
    view.setUint32(4 + 4 * i, f.length, true);
    out.set(f, at);
    at += f.length;
  });
  return out;
}

function unpack(input: Uint8Array): Uint8Array[] {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const files: Uint8Array[] = [];
  let at = 4 + 4 * view.getUint32(0, true);
  for (let i = 0; i < view.getUint32(0, true); i++) {
    const length = view.getUint32(4 + 4 * i, true);
    files.push(input.subarray(at, at + length));
    at += length;
  }
  return files;
}

export async function regfLogTarget(): Promise<FuzzTarget> {
  const { corpusBytes } = await import("../test/helpers/corpus.js");
  const sets = await Promise.all(SETS.map((set) => Promise.all(set.map((f) => corpusBytes(f)))));
  return {
    name: "regf-log",
    seeds: sets.map(pack),
    mutate(seeds, random) {
      const files: Uint8Array[] = unpack(seeds[Math.floor(random() * seeds.length)]).map((f) => new Uint8Array(f));
      const which = Math.floor(random() * files.length);
      if (files[which].length > 0) files[which] = mutateAnywhere([files[which]], random);
      return pack(files);
    },
    run(input) {
      const [primary, ...logs] = unpack(input);
      const result = recoverHive(primary, logs.map((bytes, i) => ({ name: `HIVE.LOG${i + 1}`, bytes })));
      if (!result.recovered) return;
      const view = new DataView(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
      if (view.getUint32(4, true) !== view.getUint32(8, true)) throw new OracleFailure("a replayed hive still has differing sequence numbers");
      if (view.getUint32(508, true) !== baseBlockChecksum(result.bytes)) throw new OracleFailure("a replayed hive has a wrong base block checksum");
      try {
        exercise(result.bytes);
      } catch (err) {
        if (!(err instanceof RegfError || err instanceof NotFoundError)) throw err;
      }
    },
    expected: (err) => err instanceof RegfError,
    perInputMs: 3000,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(regfLogTarget, 1000);
