/**
 * The committed container fixtures (test/fixtures/vdisk/*.gz, built by
 * scripts/fixtures/build-containers.sh), decompressed once into a temp folder so that
 * descriptors find their extents beside them.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureFile } from "../helpers/fixtures.js";

export const fixtureSource = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/vdisk");

/** Every container fixture: file name, the format openImage must report, the qemu-img format name. */
export const containerFixtures = [
  { name: "fixed.vhd", format: "vhd-fixed", qemu: "vpc" },
  { name: "dynamic.vhd", format: "vhd-dynamic", qemu: "vpc" },
  { name: "dynamic-chs.vhd", format: "vhd-dynamic", qemu: "vpc" },
  { name: "default.vhdx", format: "vhdx", qemu: "vhdx" },
  { name: "block1m.vhdx", format: "vhdx", qemu: "vhdx" },
  { name: "fixed.vhdx", format: "vhdx", qemu: "vhdx" },
  { name: "sparse.vmdk", format: "vmdk-sparse", qemu: "vmdk" },
  { name: "flat.vmdk", format: "vmdk-flat", qemu: "vmdk" },
  { name: "split.vmdk", format: "vmdk-split", qemu: "vmdk" },
  { name: "splitflat.vmdk", format: "vmdk-flat", qemu: "vmdk" },
  { name: "stream.vmdk", format: "vmdk-stream", qemu: "vmdk" },
  { name: "v2.qcow2", format: "qcow2", qemu: "qcow2" },
  { name: "v3.qcow2", format: "qcow2", qemu: "qcow2" },
  { name: "compressed.qcow2", format: "qcow2", qemu: "qcow2" },
  { name: "cluster4k.qcow2", format: "qcow2", qemu: "qcow2" },
  { name: "disk.raw", format: "raw", qemu: "raw" },
] as const;

let dir: string | undefined;

/** Folder holding every fixture decompressed (once per process), so descriptors find their extents. */
export function fixtureDir(): string {
  if (dir) return dir;
  let out = "";
  for (const name of readdirSync(fixtureSource)) {
    if (name.endsWith(".gz")) out = dirname(fixtureFile(`vdisk/${name.slice(0, -3)}`));
  }
  dir = out;
  return out;
}

export function fixturePath(name: string): string {
  return join(fixtureDir(), name);
}

/** SHA-256 of the raw disk every container was converted from. */
export function rawSha256(): string {
  return readFileSync(join(fixtureSource, "disk.raw.sha256"), "utf8").split(/\s+/)[0];
}

/** A fresh scratch folder for a test. */
export function scratchDir(label: string): string {
  const d = join(tmpdir(), `p2vfix-vdisk-${label}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(d, { recursive: true });
  return d;
}
