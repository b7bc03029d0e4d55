/** Shared helpers for the NTFS tests: fixture and corpus volumes as BlockDevices. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { MemoryDevice } from "../../../src/io/index.js";

const here = dirname(fileURLToPath(import.meta.url));
export const fixtureDir = resolve(here, "../../fixtures/ntfs");

export type FixtureName = "windows" | "hibernated" | "dirty" | "write";

const cache = new Map<string, Uint8Array>();

/** Decompressed bytes of a committed fixture volume. */
export function fixtureBytes(name: FixtureName): Uint8Array {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = new Uint8Array(gunzipSync(readFileSync(join(fixtureDir, `${name}.ntfs.gz`))));
    cache.set(name, bytes);
  }
  return bytes;
}

export function fixtureDevice(name: FixtureName): MemoryDevice {
  return new MemoryDevice(fixtureBytes(name), { writable: false });
}

/** The fixture as a plain file (for the peer tools), in the OS temp folder. */
export function fixtureFile(name: FixtureName): string {
  const path = join(tmpdir(), "p2vfix-ntfs-fixtures", `${name}.ntfs`);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp${process.pid}`;
    writeFileSync(tmp, fixtureBytes(name));
    renameSync(tmp, path);
  }
  return path;
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
