/** Shared helpers for the NTFS tests: fixture and corpus volumes as BlockDevices. */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryDevice } from "../../../src/io/index.js";
import { fixtureFile as sharedFixtureFile } from "../../helpers/fixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
export const fixtureDir = resolve(here, "../../fixtures/ntfs");

export type FixtureName = "windows" | "hibernated" | "dirty" | "write";

const cache = new Map<string, Uint8Array>();

/** Decompressed bytes of a committed fixture volume. */
export function fixtureBytes(name: FixtureName): Uint8Array {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(fixtureFile(name)));
    cache.set(name, bytes);
  }
  return bytes;
}

export function fixtureDevice(name: FixtureName): MemoryDevice {
  return new MemoryDevice(fixtureBytes(name), { writable: false });
}

/** The fixture as a plain file (for the peer tools), decompressed into the shared fixture cache. */
export function fixtureFile(name: FixtureName): string {
  return sharedFixtureFile(`ntfs/${name}.ntfs`);
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** What build-ntfs.sh wrote into the volume (paths use "/" and "file:stream" for ADS). */
export function fixtureManifest(name: FixtureName): ManifestEntry[] {
  return readFileSync(join(fixtureDir, `${name}.manifest.tsv`), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((line) => {
      const [path, size, sha256] = line.split("\t");
      return { path, size: Number(size), sha256 };
    });
}
