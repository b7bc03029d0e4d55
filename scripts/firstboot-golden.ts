/**
 * Writes test/firstboot/golden/: every first-boot script rendered by the current code (see
 * test/firstboot/golden-scripts.ts). Run `npx tsx scripts/firstboot-golden.ts` only when a
 * change to a generated script is meant; test/firstboot/golden.test.ts fails on any other.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { goldenFiles } from "../test/firstboot/golden-scripts.js";

const dir = join(import.meta.dirname, "..", "test", "firstboot", "golden");
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) rmSync(join(dir, name));
const files = goldenFiles();
for (const [name, text] of files) writeFileSync(join(dir, name), text, "utf8");
console.log(`${files.size} files in ${dir}`);
