/** Shared by the NTFS writer tests: writable copies of write.ntfs and content to write. */
import { MemoryDevice, OverlayDevice } from "../../../src/io/index.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { fixtureBytes } from "./helpers.js";

/** Deterministic bytes that differ at every position, starting with "regf" like a hive. */
export function hiveLike(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  out.set([0x72, 0x65, 0x67, 0x66].slice(0, length));
  return out;
}

/** A fresh writable copy of write.ntfs. */
export function writableVolume(): { device: MemoryDevice; vol: NtfsVolume } {
  const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
  return { device, vol: openNtfs(device) };
}

/** write.ntfs under a copy-on-write overlay (its writes() say what a call wrote). */
export function overlayVolume(): { overlay: OverlayDevice; vol: NtfsVolume } {
  const overlay = new OverlayDevice(new MemoryDevice(fixtureBytes("write"), { writable: false }));
  return { overlay, vol: openNtfs(overlay) };
}

export const paths = {
  system: "/Windows/System32/config/SYSTEM",
  software: "/Windows/System32/config/SOFTWARE",
  inBigDirectory: "/Big/hive-in-big-directory",
  hardLinked: "/Links/hive-a",
  otherLink: "/Windows/hive-b",
  fragmented: "/Frag/fragmented.bin",
} as const;
