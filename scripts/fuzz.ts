/**
 * `npm run fuzz [-- --seconds N | --runs N] [--seed S]`: runs every fuzz target one after the
 * other with the same arguments (with --seconds, each target gets N seconds), prints each
 * target's closing line `fuzz <target>: <N> inputs, <S> s, <R> inputs/s, <F> failures`, and
 * fails if any target failed. One script per target.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const fuzzers = [
  "fuzz-regf.ts",
  "fuzz-vdisk.ts",
  "fuzz-partition-fat.ts",
  "fuzz-ntfs.ts",
  "fuzz-regf-log.ts",
  "fuzz-lznt1.ts",
  "fuzz-plan.ts",
  "fuzz-vmconfig.ts",
  "fuzz-undo-journal.ts",
  "fuzz-ntfs-write.ts",
  "fuzz-reg-import.ts",
  "fuzz-hive-edit.ts",
];
const args = process.argv.slice(2);
let failed = 0;
const summaries: string[] = [];
for (const script of fuzzers) {
  console.log(`\n== ${script} ${args.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, script), ...args], { stdio: ["inherit", "pipe", "inherit"], encoding: "utf8", maxBuffer: 64 << 20 });
  process.stdout.write(r.stdout ?? "");
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("fuzz "));
  summaries.push(line ?? `fuzz ${script}: no summary (exit ${r.status})`);
  if (r.status !== 0) failed++;
}
console.log(`\n${summaries.join("\n")}`);
console.log(failed ? `\n${failed} fuzzer(s) failed` : "\nall fuzzers passed");
process.exitCode = failed ? 1 : 0;
