/**
 * Data runs ("mapping pairs") of a non-resident attribute. Each run: a header byte whose low
 * nibble is the size of the length field and high nibble the size of the offset field; the
 * length (unsigned); the LCN offset (signed, relative to the previous run's LCN). An offset
 * field of size 0 is a sparse run. A 0x00 header ends the list. (libfsntfs, "Data runs".)
 *
 * Encoding is here too so that a later writer re-encodes what it changes the same way.
 */
import { NtfsError } from "../../errors.js";

export interface DataRun {
  /** First virtual cluster of the run in the attribute. */
  vcn: number;
  /** First logical cluster on the volume, or null for a sparse run (reads as zeros). */
  lcn: number | null;
  length: number;
}

function readSigned(bytes: Uint8Array, at: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
  if (size > 0 && bytes[at + size - 1] & 0x80) value -= 1n << BigInt(size * 8);
  return value;
}

function readUnsigned(bytes: Uint8Array, at: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
  return value;
}

/**
 * Decodes mapping pairs starting at `bytes[0]`, for an extent whose first VCN is `startVcn`.
 * `base` is the absolute offset of bytes[0] (for errors).
 */
export function decodeRunlist(bytes: Uint8Array, startVcn: number, base = 0): DataRun[] {
  const runs: DataRun[] = [];
  let pos = 0;
  let vcn = BigInt(startVcn);
  let lcn = 0n;
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  while (true) {
    if (pos >= bytes.length) throw new NtfsError("bad-runlist", "data runs run past the end of the attribute without a terminator", { offset: base + pos });
    const header = bytes[pos];
    if (header === 0) break;
    const lengthSize = header & 0x0f;
    const offsetSize = header >> 4;
    if (lengthSize === 0 || lengthSize > 8 || offsetSize > 8) {
      throw new NtfsError("bad-runlist", `data run header 0x${header.toString(16)} has invalid field sizes`, { offset: base + pos });
    }
    if (pos + 1 + lengthSize + offsetSize > bytes.length) {
      throw new NtfsError("bad-runlist", "data run is truncated", { offset: base + pos });
    }
    const length = readUnsigned(bytes, pos + 1, lengthSize);
    if (length === 0n || length > max) throw new NtfsError("bad-runlist", `data run length ${length} is invalid`, { offset: base + pos });
    let runLcn: number | null = null;
    if (offsetSize > 0) {
      lcn += readSigned(bytes, pos + 1 + lengthSize, offsetSize);
      if (lcn < 0n || lcn > max) throw new NtfsError("bad-runlist", `data run points to cluster ${lcn}, outside any volume`, { offset: base + pos });
      runLcn = Number(lcn);
    }
    if (vcn + length > max) throw new NtfsError("bad-runlist", "data runs exceed the largest supported size", { offset: base + pos });
    runs.push({ vcn: Number(vcn), lcn: runLcn, length: Number(length) });
    vcn += length;
    pos += 1 + lengthSize + offsetSize;
  }
  return runs;
}

/**
 * Throws unless every real run lies inside [0, totalClusters) and no two real runs share a
 * cluster (a hostile runlist could otherwise alias metadata or loop a reader).
 */
export function checkRuns(runs: readonly DataRun[], totalClusters: number, what: string, offset?: number): void {
  const real = runs.filter((run) => run.lcn !== null) as Array<DataRun & { lcn: number }>;
  for (const run of real) {
    if (run.lcn + run.length > totalClusters) {
      throw new NtfsError("run-outside-volume", `${what}: clusters ${run.lcn}..${run.lcn + run.length - 1} lie outside the volume (${totalClusters} clusters)`, { offset });
    }
  }
  const sorted = [...real].sort((a, b) => a.lcn - b.lcn);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].lcn < sorted[i - 1].lcn + sorted[i - 1].length) {
      throw new NtfsError("runs-overlap", `${what}: runs at clusters ${sorted[i - 1].lcn} and ${sorted[i].lcn} overlap`, { offset });
    }
  }
}

function minimalSigned(value: bigint): Uint8Array {
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0xffn);
    out.push(byte);
    rest >>= 8n;
    const signBitSet = (byte & 0x80) !== 0;
    if ((rest === 0n && !signBitSet) || (rest === -1n && signBitSet)) break;
  }
  return Uint8Array.from(out);
}

/** Encodes runs (contiguous VCNs) as mapping pairs with minimal field sizes, terminator included. */
export function encodeRunlist(runs: readonly DataRun[]): Uint8Array {
  const parts: number[] = [];
  let previousLcn = 0n;
  for (const run of runs) {
    // The length is read as signed by ntfs-3g (runlist.c: a top bit set is "invalid length")
    // and Windows writes it that way: 227 takes two bytes (e3 00), not one.
    const lengthBytes = minimalSigned(BigInt(run.length));
    let offsetBytes: Uint8Array = new Uint8Array(0);
    if (run.lcn !== null) {
      offsetBytes = minimalSigned(BigInt(run.lcn) - previousLcn);
      previousLcn = BigInt(run.lcn);
    }
    parts.push((offsetBytes.length << 4) | lengthBytes.length, ...lengthBytes, ...offsetBytes);
  }
  parts.push(0);
  return Uint8Array.from(parts);
}

/**
 * Device pieces behind bytes [offset, offset + length) of an attribute laid out by `runs`
 * (`at` = position in that range). Sparse runs and unmapped bytes are left out: callers that
 * must write every byte compare the pieces' total with `length`.
 */
export function mapRunRange(runs: readonly DataRun[], clusterSize: number, offset: number, length: number): Array<{ at: number; deviceOffset: number; length: number }> {
  const out: Array<{ at: number; deviceOffset: number; length: number }> = [];
  for (const run of runs) {
    const start = run.vcn * clusterSize;
    const from = Math.max(start, offset);
    const to = Math.min(start + run.length * clusterSize, offset + length);
    if (from < to && run.lcn !== null) out.push({ at: from - offset, deviceOffset: run.lcn * clusterSize + (from - start), length: to - from });
  }
  return out;
}
