/**
 * The header update MS-VHDX 2.2.2.1 requires before a writer modifies anything else: new
 * FileWriteGuid and DataWriteGuid (children record the parent's DataWriteGuid, so changed data
 * invalidates them as it must), SequenceNumber + 1, CRC-32C, written over the NON-current slot;
 * then once more over the other slot, so both copies are current (qemu does the same).
 */
import type { BlockDevice } from "../../io/block-device.js";
import { crc32c } from "./crc32c.js";
import { HEADER_OFFSETS, HEADER_SIZE, type VhdxHeader } from "./header.js";

const FILE_WRITE_GUID = 16;
const DATA_WRITE_GUID = 32;

/** A random (version 4) GUID in the on-disk Microsoft layout (Data3 little-endian). */
function newGuid(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[7] = (bytes[7] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

/** `raw` with a new sequence number and its checksum recomputed. */
function sealed(raw: Uint8Array, sequenceNumber: bigint): Uint8Array {
  const out = raw.slice(0, HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setBigUint64(8, sequenceNumber, true);
  view.setUint32(4, 0, true);
  view.setUint32(4, crc32c(out), true);
  return out;
}

/** Writes both header slots for a new write session; returns the new current header bytes. */
export function writeSessionHeaders(file: BlockDevice, current: VhdxHeader): Uint8Array {
  const raw = current.raw.slice(0, HEADER_SIZE);
  raw.set(newGuid(), FILE_WRITE_GUID);
  raw.set(newGuid(), DATA_WRITE_GUID);
  let slot = current.slot;
  let sequence = current.sequenceNumber;
  let bytes: Uint8Array = raw;
  for (let i = 0; i < 2; i++) {
    slot = 1 - slot;
    sequence += 1n;
    bytes = sealed(raw, sequence);
    file.write(HEADER_OFFSETS[slot], bytes);
    // The spec asks for a flush between the two updates, so one valid header survives a crash.
    file.flush();
  }
  return bytes;
}
