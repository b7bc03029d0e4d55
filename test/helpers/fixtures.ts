/**
 * The generated partition/FAT fixtures (scripts/fixtures/build-partition-fat.sh), decompressed
 * once into a shared temp cache so peer tools can read them as files.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const fixturesRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const cache = join(tmpdir(), "p2vfix-fixture-cache");

/** Path of a fixture under test/fixtures, decompressed from REL.gz when needed, e.g. fixtureFile("fat/fat12.img"). */
export function fixtureFile(rel: string): string {
  // Files committed uncompressed (manifests, small text) are used in place.
  if (existsSync(join(fixturesRoot, rel))) return join(fixturesRoot, rel);
  const out = join(cache, rel);
  const stored = join(fixturesRoot, rel + ".gz");
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(stored).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    // Written aside and renamed: parallel test workers never see a half-written file.
    const partial = `${out}.${process.pid}.tmp`;
    writeFileSync(partial, gunzipSync(readFileSync(stored)));
    renameSync(partial, out);
  }
  return out;
}

export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixtureFile(rel)));
}
