/**
 * Positional reads and writes on a block device in whole 512-byte sectors. Linux accepts any
 * offset on a buffered block device, but macOS (and raw devices elsewhere) fail a read or write
 * that does not start and end on a sector boundary, so every device access p2vfix makes is
 * widened to the sectors it touches: a read reads them and keeps the middle, a write reads the
 * first and last sector, puts the new bytes in, and writes the sectors back (the caller holds
 * the device exclusively, so nothing changes in between).
 */
import { readSync, writeSync } from "node:fs";
import { ImageError } from "../errors.js";
import { DEVICE_SECTOR } from "./block-device-size.js";

function readFully(fd: number, target: Uint8Array, targetOffset: number, length: number, offset: number, path: string): void {
  let done = 0;
  while (done < length) {
    const bytesRead = readSync(fd, target, targetOffset + done, length - done, offset + done);
    if (bytesRead === 0) throw new ImageError("short-read", `${path}: unexpected end of the device at ${offset + done}`, { offset: offset + done, path });
    done += bytesRead;
  }
}

function writeFully(fd: number, data: Uint8Array, offset: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
}

/** The sectors holding [offset, offset+length), clipped to the device's end (its size is a whole number of sectors). */
function span(offset: number, length: number, size: number): { start: number; end: number } {
  const start = Math.floor(offset / DEVICE_SECTOR) * DEVICE_SECTOR;
  const end = Math.min(size, Math.ceil((offset + length) / DEVICE_SECTOR) * DEVICE_SECTOR);
  return { start, end };
}

export function readAligned(fd: number, size: number, offset: number, target: Uint8Array, targetOffset: number, length: number, path: string): void {
  if (offset % DEVICE_SECTOR === 0 && length % DEVICE_SECTOR === 0) {
    readFully(fd, target, targetOffset, length, offset, path);
    return;
  }
  const { start, end } = span(offset, length, size);
  const sectors = new Uint8Array(end - start);
  readFully(fd, sectors, 0, sectors.length, start, path);
  target.set(sectors.subarray(offset - start, offset - start + length), targetOffset);
}

export function writeAligned(fd: number, size: number, offset: number, data: Uint8Array, path: string): void {
  if (offset % DEVICE_SECTOR === 0 && data.length % DEVICE_SECTOR === 0) {
    writeFully(fd, data, offset);
    return;
  }
  const { start, end } = span(offset, data.length, size);
  const sectors = new Uint8Array(end - start);
  // Only the first and last sector keep bytes of their own; the middle is all new.
  readFully(fd, sectors, 0, Math.min(DEVICE_SECTOR, sectors.length), start, path);
  if (end - DEVICE_SECTOR > start) readFully(fd, sectors, sectors.length - DEVICE_SECTOR, DEVICE_SECTOR, end - DEVICE_SECTOR, path);
  sectors.set(data, offset - start);
  writeFully(fd, sectors, start);
}
