/**
 * Test images for driver installs: a bare NTFS volume made by mkntfs holding
 * Windows\System32\config\SYSTEM (a real hive from the corpus) and a SOFTWARE hive with the
 * CurrentVersion values of that Windows (the corpus has no machine SOFTWARE hive), plus an
 * empty System32\drivers folder. Files are put in by p2vfix's NTFS writer.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileDevice } from "../../src/io/file-device.js";
import { NtfsVolume } from "../../src/fs/ntfs/volume.js";
import { createHive } from "../../src/regf/edit/new-hive.js";
import { RegType } from "../../src/regf/value-types.js";
import { runTool } from "../helpers/interop.js";

const sz = (s: string) => new Uint8Array(Buffer.from(s + "\u0000", "utf16le"));
const dword = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

/** A SOFTWARE hive with what installation.ts reads for the version. */
export function softwareHive(v: { productName: string; currentVersion: string; build: number; installationType: string; major?: number }): Uint8Array {
  const ed = createHive("CMI-CreateHive{p2vfix-test}", { now: () => new Date(Date.UTC(2024, 0, 1)) });
  const cv = "Microsoft\\Windows NT\\CurrentVersion";
  ed.createKey(cv);
  ed.setValue(cv, "ProductName", RegType.SZ, sz(v.productName));
  ed.setValue(cv, "CurrentVersion", RegType.SZ, sz(v.currentVersion));
  ed.setValue(cv, "CurrentBuildNumber", RegType.SZ, sz(String(v.build)));
  ed.setValue(cv, "InstallationType", RegType.SZ, sz(v.installationType));
  if (v.major !== undefined) {
    ed.setValue(cv, "CurrentMajorVersionNumber", RegType.DWORD, dword(v.major));
    ed.setValue(cv, "CurrentMinorVersionNumber", RegType.DWORD, dword(0));
  }
  ed.createKey("Microsoft\\Windows\\CurrentVersion");
  ed.setValue("Microsoft\\Windows\\CurrentVersion", "DevicePath", RegType.EXPAND_SZ, sz("%SystemRoot%\\inf"));
  return ed.serialize();
}

/** Builds the volume in `dir`; returns its path. */
export function windowsVolume(dir: string, name: string, system: Uint8Array, software: Uint8Array, sizeMiB = 64): string {
  const path = join(dir, `${name}.ntfs`);
  writeFileSync(path, new Uint8Array(0));
  runTool("truncate", ["-s", `${sizeMiB}M`, path]);
  const r = runTool("mkntfs", ["-F", "-Q", "-q", path]);
  if (r.status !== 0) throw new Error(`mkntfs: ${r.stderr}`);
  const dev = new FileDevice(path, { writable: true });
  try {
    const vol = new NtfsVolume(dev);
    const w = vol.writer();
    w.mkdir("/Windows/System32/config", { parents: true });
    w.mkdir("/Windows/System32/drivers");
    w.createFile("/Windows/System32/config/SYSTEM", system);
    w.createFile("/Windows/System32/config/SOFTWARE", software);
    w.commit();
    dev.flush();
  } finally {
    dev.close();
  }
  return path;
}

export const fileBytes = (p: string) => new Uint8Array(readFileSync(p));
