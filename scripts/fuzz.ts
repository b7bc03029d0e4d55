/**
 * `npm run fuzz [-- --runs N --seed S]`: runs every mutation fuzzer (regf, vdisk, partition/FAT,
 * NTFS) one after the other with the same arguments and fails if any let an untyped error out.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const fuzzers = ["fuzz-regf.ts", "fuzz-vdisk.ts", "fuzz-partition-fat.ts", "fuzz-ntfs.ts", "fuzz-reg-import.ts", "fuzz-hive-edit.ts"];
const args = process.argv.slice(2);
let failed = 0;
for (const script of fuzzers) {
  console.log(`\n== ${script} ${args.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, script), ...args], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
console.log(failed ? `\n${failed} fuzzer(s) failed` : "\nall fuzzers passed");
process.exitCode = failed ? 1 : 0;
