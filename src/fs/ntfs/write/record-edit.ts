/**
 * An MFT record loaded for editing: its fixed-up bytes and parsed attributes (offsets relative
 * to the record). Committing re-applies the update sequence with a fresh number and queues the
 * record for every place it lives: its $MFT position and, for the first records, $MFTMirr.
 */
import { NtfsError } from "../../../errors.js";
import { readDeviceInto } from "../../../io/block-device.js";
import { AttributeType } from "../attribute.js";
import type { DataStream } from "../data-stream.js";
import { parseMftRecord, type MftRecord } from "../mft-record.js";
import { applyFixups, protectRecord } from "../update-sequence.js";
import { MftRecordNumber, type ReadableNtfsVolume } from "../readable-volume.js";
import type { PendingWrites } from "./pending-writes.js";

export interface RecordEdit {
  number: number;
  /** Fixed-up record bytes; edit in place. */
  bytes: Uint8Array;
  /** The record as parsed before editing; attribute offsets are relative to the record. */
  parsed: MftRecord;
}

/** Record `recordNumber` as stored (update sequence not applied), read from each piece it lies in. */
function readRawRecord(vol: ReadableNtfsVolume, recordNumber: number): Uint8Array {
  const out = new Uint8Array(vol.boot.mftRecordSize);
  let at = 0;
  for (const piece of vol.recordPlacement(recordNumber)) {
    readDeviceInto(vol.device, piece.deviceOffset, out, at, piece.length);
    at += piece.length;
  }
  return out;
}

export function loadRecord(vol: ReadableNtfsVolume, recordNumber: number): RecordEdit {
  const raw = readRawRecord(vol, recordNumber);
  // The edit's own copy first; then the parse may fix `raw` up in place (its attributes view it).
  const bytes = applyFixups(raw, 0, `MFT record ${recordNumber}`);
  return { number: recordNumber, bytes, parsed: parseMftRecord(raw, recordNumber, 0, true) };
}

const mirrorStream = (vol: ReadableNtfsVolume): DataStream => vol.stream(MftRecordNumber.mftMirr, AttributeType.data, "");

/**
 * How many leading records $MFTMirr holds: 4, or a cluster's worth when a cluster holds more
 * (ntfs-3g volume.c), never more than $MFTMirr's own data.
 */
export function mirroredRecordCount(vol: ReadableNtfsVolume, mirror = mirrorStream(vol)): number {
  return Math.min(mirrorWanted(vol), Math.floor(mirror.size / vol.boot.mftRecordSize));
}

/** The records $MFTMirr is meant to hold, from the geometry alone: a record past them is never mirrored. */
function mirrorWanted(vol: ReadableNtfsVolume): number {
  const rs = vol.boot.mftRecordSize;
  const cs = vol.boot.clusterSize;
  return cs <= 4 * rs ? 4 : cs / rs;
}

/** Queues the protected record; returns true when it was mirrored too. */
export function commitRecord(vol: ReadableNtfsVolume, edit: RecordEdit, pending: PendingWrites): boolean {
  return commitRecordBytes(vol, edit.number, edit.bytes, pending);
}

/** Queues fixed-up record bytes for record `number` (and its $MFTMirr copy); true when mirrored. */
export function commitRecordBytes(vol: ReadableNtfsVolume, number: number, bytes: Uint8Array, pending: PendingWrites): boolean {
  const rs = vol.boot.mftRecordSize;
  if (bytes.length !== rs) throw new NtfsError("bad-record", `MFT record ${number}: edited record has ${bytes.length} bytes, expected ${rs}`, { expected: rs, actual: bytes.length });
  const protectedBytes = protectRecord(bytes, 0, `MFT record ${number}`);
  let at = 0;
  for (const piece of vol.recordPlacement(number)) {
    pending.add(piece.deviceOffset, protectedBytes.subarray(at, at + piece.length), `MFT record ${number}`);
    at += piece.length;
  }
  // Every new file's record lies past the mirror: known from the geometry, without looking $MFTMirr up.
  if (number >= mirrorWanted(vol)) return false;
  const mirror = mirrorStream(vol);
  if (number >= mirroredRecordCount(vol, mirror)) return false;
  at = 0;
  for (const piece of mirror.mapRange(number * rs, rs)) {
    if (piece.deviceOffset === null) throw new NtfsError("bad-mft", `$MFTMirr is sparse at record ${number}`);
    pending.add(piece.deviceOffset, protectedBytes.subarray(at, at + piece.length), `$MFTMirr copy of record ${number}`);
    at += piece.length;
  }
  return true;
}
