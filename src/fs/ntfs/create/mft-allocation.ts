/**
 * MFT record allocation from $MFT's own $BITMAP (record 0, attribute 0xB0: one bit per record,
 * 1 = in use), and cluster release in $Bitmap. New records are taken from 24 up: records 0-15
 * are the system files and 16-23 are kept free for them (Windows places $Extend's children
 * there; ntfs-3g starts user records at 24 too: mft.c RESERVED_MFT_RECORDS). A slot whose
 * bitmap bit is clear but whose record still says "in use" is skipped, never reused.
 * $MFT is not grown: a full MFT is a RefusedError "mft-full".
 */
import { RefusedError } from "../../../errors.js";
import { AttributeType } from "../attribute.js";
import type { DataStream } from "../data-stream.js";
import type { DataRun } from "../runlist.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";
import type { PendingWrites } from "../write/pending-writes.js";
import { loadRecord } from "../write/record-edit.js";
import { queueBitmapBytes, queueChangedBytes } from "../write/cluster-bitmap.js";

export const FIRST_FREE_RECORD = 24;
const MFT_RECORD = 0;
const BITMAP_RECORD = 6;

export interface AllocatedRecord {
  number: number;
  /** Sequence number for the new file (the slot's stored one, never 0). */
  sequence: number;
  /** Update sequence number to continue from. */
  usn: number;
}

function queueBits(vol: ReadableNtfsVolume, record: number, offset: number, bytes: Uint8Array, pending: PendingWrites, what: string): void {
  queueBitmapBytes(vol.stream(record, record === MFT_RECORD ? AttributeType.bitmap : AttributeType.data, ""), offset, bytes, pending, what);
}

/** What a free slot continues from. */
interface SlotState {
  sequence: number;
  usn: number;
}

/** Slots read at a time when looking for a free one (16 KiB with 1 KiB records). */
const SLOTS_READ_AHEAD = 16;

/** A slot's old state when it can be reused, undefined when it must be skipped. */
function slotState(raw: Uint8Array): SlotState | undefined {
  // Not "FILE": never formatted (or garbage), so there is no sequence to continue.
  if (raw[0] !== 0x46 || raw[1] !== 0x49 || raw[2] !== 0x4c || raw[3] !== 0x45) return { sequence: 1, usn: 0 };
  const u16 = (at: number) => raw[at] | (raw[at + 1] << 8);
  if (u16(22) & 0x1) return undefined;
  const sequence = u16(16) || 1;
  const usaOffset = u16(4);
  return { sequence, usn: usaOffset + 2 <= raw.length ? u16(usaOffset) : 0 };
}

/**
 * Free MFT records for one writer session, the first free one from a hint up each time. The
 * $MFT bitmap (from the hint on) and the slots ahead are read once, not per record: only the
 * session writes them, so the copies stay true while it reports each record whose writes it
 * applied (taken) and drops them when $MFT grows or a record is freed (forget). A record
 * allocated but never taken (its file refused) just reads as free again.
 */
export class MftRecordAllocator {
  /** $MFT bitmap bytes from byte `first` to the last usable record's. */
  private bitmap: { first: number; bytes: Uint8Array } | undefined;
  /** States of slots read ahead, by record number. */
  private readonly slots = new Map<number, SlotState | undefined>();

  /** Takes the first free record from `from` (at least 24) up and queues its $MFT bitmap bit. */
  allocate(vol: ReadableNtfsVolume, pending: PendingWrites, from = FIRST_FREE_RECORD): AllocatedRecord {
    const rs = vol.boot.mftRecordSize;
    const mft = vol.stream(MFT_RECORD, AttributeType.data, "");
    const usable = Math.floor(Math.min(mft.size, mft.initializedSize) / rs);
    const bitmapStream = vol.stream(MFT_RECORD, AttributeType.bitmap, "");
    const start = Math.max(from, FIRST_FREE_RECORD);
    const first = start >> 3;
    const end = Math.max(first, Math.min(bitmapStream.size, Math.ceil(usable / 8)));
    if (!this.bitmap || this.bitmap.first > first || this.bitmap.first + this.bitmap.bytes.length !== end) {
      this.bitmap = { first, bytes: bitmapStream.read(first, end - first) };
    }
    const { first: kept, bytes } = this.bitmap;
    const bit = (recordNumber: number) => bytes[(recordNumber >> 3) - kept];
    for (let n = start; n < usable; n++) {
      if ((n & 7) === 0 && bit(n) === 0xff) {
        n += 7;
        continue;
      }
      if (bit(n) & (1 << (n & 7))) continue;
      if (!this.slots.has(n)) this.readAhead(mft, rs, n, Math.min(SLOTS_READ_AHEAD, usable - n));
      const state = this.slots.get(n);
      this.slots.delete(n);
      if (!state) continue;
      queueBitmapBytes(bitmapStream, n >> 3, Uint8Array.of(bit(n) | (1 << (n & 7))), pending, "$MFT bitmap");
      return { number: n, ...state };
    }
    throw new RefusedError("mft-full", `the MFT has no free record (${usable} records, all in use); p2vfix does not grow $MFT: free some files on Windows or run chkdsk, then retry; nothing was written`);
  }

  private readAhead(mft: DataStream, rs: number, from: number, count: number): void {
    const raw = mft.read(from * rs, count * rs);
    for (let i = 0; i < count; i++) this.slots.set(from + i, slotState(raw.subarray(i * rs, (i + 1) * rs)));
  }

  /** The writes of record `n` (its bitmap bit, its record) were applied. */
  taken(recordNumber: number): void {
    this.slots.delete(recordNumber);
    const at = (recordNumber >> 3) - (this.bitmap?.first ?? 0);
    if (this.bitmap && at >= 0 && at < this.bitmap.bytes.length) this.bitmap.bytes[at] |= 1 << (recordNumber & 7);
  }

  /** $MFT or its bitmap changed other than by taken(): read both again. */
  forget(): void {
    this.bitmap = undefined;
    this.slots.clear();
  }
}

/** Queues the $MFT bitmap bit of record `n` cleared. */
export function releaseMftRecord(vol: ReadableNtfsVolume, recordNumber: number, pending: PendingWrites): void {
  const bitmap = vol.stream(MFT_RECORD, AttributeType.bitmap, "");
  const byte = bitmap.read(recordNumber >> 3, 1)[0];
  queueBits(vol, MFT_RECORD, recordNumber >> 3, Uint8Array.of(byte & ~(1 << (recordNumber & 7))), pending, "$MFT bitmap");
}

/** The record's bytes marked not in use with its sequence number advanced (skipping 0), as ntfs-3g frees one. */
export function freeRecordBytes(vol: ReadableNtfsVolume, recordNumber: number): Uint8Array {
  const edit = loadRecord(vol, recordNumber);
  const view = new DataView(edit.bytes.buffer, edit.bytes.byteOffset, edit.bytes.byteLength);
  view.setUint16(22, view.getUint16(22, true) & ~0x1, true);
  const seq = (view.getUint16(16, true) + 1) & 0xffff;
  view.setUint16(16, seq === 0 ? 1 : seq, true);
  return edit.bytes;
}

/** Queues the clusters of `runs` marked free in $Bitmap. */
export function releaseClusters(vol: ReadableNtfsVolume, runs: readonly DataRun[], pending: PendingWrites): void {
  const stream = vol.stream(BITMAP_RECORD, AttributeType.data, "");
  const changed = new Map<number, number>();
  for (const run of runs) {
    if (run.lcn === null) continue;
    const first = run.lcn >> 3;
    const last = (run.lcn + run.length - 1) >> 3;
    const bytes = stream.read(first, last - first + 1);
    for (const [offset, value] of changed) if (offset >= first && offset <= last) bytes[offset - first] = value;
    for (let lcn = run.lcn; lcn < run.lcn + run.length; lcn++) bytes[(lcn >> 3) - first] &= ~(1 << (lcn & 7));
    for (let i = 0; i < bytes.length; i++) changed.set(first + i, bytes[i]);
  }
  queueChangedBytes(stream, changed, pending);
}
