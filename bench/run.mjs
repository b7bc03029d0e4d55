// `npm run bench [SECTION]`: runs every benchmark section in order, against the peer tools in
// the same run. A section is a module in this folder exporting `name` (or `section.name`) and
// `run(context)`, which prints its own table.
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const sections = [
  "./regf-export.mjs",
  "./regf-write.mjs",
  "./regf-pairs.mjs",
  "./cat-pairs.mjs",
  "./vdisk-containers.mjs",
  "./vdisk-write.mjs",
  "./inspect.mjs",
  "./apply.mjs",
  "./image-read.mjs",
  "./plan-apply.mjs",
  "./ntfs-create.mjs",
  "./batch.mjs",
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv[2];
let failed = false;
for (const file of sections) {
  const module = await import(file);
  const name = module.name ?? module.section?.name ?? file;
  if (only && name !== only && !file.includes(only)) continue;
  console.log(`\n== ${name} ==`);
  try {
    await module.run({ root });
  } catch (err) {
    failed = true;
    console.error(`bench section ${name} failed: ${err?.stack ?? err}`);
  }
}
process.exitCode = failed ? 1 : 0;
