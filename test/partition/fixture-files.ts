/**
 * The generated partition/FAT fixtures (scripts/fixtures/build-partition-fat.sh), decompressed
 * once per process into a temp folder so peer tools can read them as files.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const fixturesRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const cache = join(tmpdir(), `p2vfix-partition-fat-${process.pid}`);

/** Path of a decompressed fixture, e.g. fixtureFile("fat/fat12.img"). */
export function fixtureFile(rel: string): string {
  const out = join(cache, rel);
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, gunzipSync(readFileSync(join(fixturesRoot, rel + ".gz"))));
  }
  return out;
}

export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixtureFile(rel)));
}
