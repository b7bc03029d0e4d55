// `npm run bench`: runs every benchmark section in order. A section is a module in this
// folder exporting `name` and `run(context)`; add yours to the list below.
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const sections = ["./regf-export.mjs", "./regf-write.mjs", "./inspect.mjs", "./apply.mjs"];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv[2];
let failed = false;
for (const file of sections) {
  const section = await import(file);
  if (only && section.name !== only) continue;
  console.log(`\n== ${section.name} ==`);
  try {
    await section.run({ root });
  } catch (err) {
    failed = true;
    console.error(`bench section ${section.name} failed: ${err?.stack ?? err}`);
  }
}
process.exitCode = failed ? 1 : 0;
