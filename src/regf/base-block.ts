/**
 * The regf base block: the first 4096 bytes of a primary hive and of every transaction log.
 * Layout per the Windows registry file format specification (M. Suhanov).
 */
import { RegfError } from "../errors.js";
import { ByteReader } from "../util/byte-reader.js";

export const BASE_BLOCK_SIZE = 4096;
/** Hive bins start right after the base block; cell offsets are relative to this. */
export const HBINS_START = 4096;
const CHECKSUM_OFFSET = 508;

export const FileType = {
  primary: 0,
  /** Old-format transaction log (.LOG, Windows XP–8): base block copy + dirty vector. */
  oldLog: 1,
  /** Also old-format log (written by some Windows versions). */
  oldLogAlt: 2,
  /** New-format transaction log (.LOG1/.LOG2, Windows 8.1+): HvLE entries. */
  newLog: 6,
} as const;

export interface BaseBlock {
  signature: string;
  primarySequence: number;
  secondarySequence: number;
  /** FILETIME of the last write (100 ns ticks since 1601-01-01 UTC). */
  lastWritten: bigint;
  majorVersion: number;
  minorVersion: number;
  fileType: number;
  fileFormat: number;
  rootCellOffset: number;
  hiveBinsDataSize: number;
  clusteringFactor: number;
  /** Up to 32 UTF-16 units of the hive's path as Windows knew it (often only its tail). */
  fileName: string;
  flags: number;
  storedChecksum: number;
  computedChecksum: number;
  /** Offset 4088/4092: used by the boot loader, kept as is. */
  bootType: number;
  bootRecover: number;
}

/** XOR of the first 127 dwords, with 0 and 0xFFFFFFFF mapped as Windows does. */
export function baseBlockChecksum(block: Uint8Array): number {
  const view = new DataView(block.buffer, block.byteOffset, CHECKSUM_OFFSET);
  let sum = 0;
  for (let off = 0; off < CHECKSUM_OFFSET; off += 4) sum ^= view.getUint32(off, true);
  sum >>>= 0;
  if (sum === 0xffffffff) return 0xfffffffe;
  if (sum === 0) return 1;
  return sum;
}

const regfError = (code: string, message: string, offset: number) => new RegfError(code, message, { offset });

/** Byte offsets of the base block's fields (regf spec, "Base block"). */
export const BaseBlockField = {
  signature: 0,
  primarySequence: 4,
  secondarySequence: 8,
  lastWritten: 12,
  majorVersion: 20,
  minorVersion: 24,
  fileType: 28,
  fileFormat: 32,
  rootCellOffset: 36,
  hiveBinsDataSize: 40,
  clusteringFactor: 44,
  fileName: 48,
  flags: 144,
  bootType: 4088,
  bootRecover: 4092,
} as const;

/** "regf": the first four bytes of every primary hive file and of every transaction log. */
export const REGF_SIGNATURE = Uint8Array.of(0x72, 0x65, 0x67, 0x66);

/** True when `bytes` starts with the regf signature (a hive or one of its logs). */
export function hasRegfSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && REGF_SIGNATURE.every((byte, i) => bytes[i] === byte);
}

/**
 * Parses a base block. Only the signature and length are enforced here; checksum and
 * sequence numbers are reported so that callers decide (a bad checksum on a primary means
 * "recover from the log", on a log it means "ignore this log").
 */
export function parseBaseBlock(bytes: Uint8Array, what = "hive"): BaseBlock {
  if (bytes.length < 512) {
    throw new RegfError("truncated", `${what} is ${bytes.length} bytes: too short to hold a regf base block`, { offset: 0 });
  }
  const reader = new ByteReader(bytes, regfError);
  const signature = reader.ascii(0, 4);
  if (!hasRegfSignature(bytes)) {
    throw new RegfError("not-a-hive", `${what} does not start with the "regf" signature (found ${JSON.stringify(signature)})`, {
      offset: 0,
      expected: "regf",
      actual: signature,
    });
  }
  const nameBytes = reader.slice(BaseBlockField.fileName, BaseBlockField.fileName + 64);
  let nameEnd = 0;
  while (nameEnd < 64 && (nameBytes[nameEnd] !== 0 || nameBytes[nameEnd + 1] !== 0)) nameEnd += 2;
  const full = bytes.length >= BASE_BLOCK_SIZE;
  return {
    signature,
    primarySequence: reader.u32(BaseBlockField.primarySequence),
    secondarySequence: reader.u32(BaseBlockField.secondarySequence),
    lastWritten: reader.u64big(BaseBlockField.lastWritten),
    majorVersion: reader.u32(BaseBlockField.majorVersion),
    minorVersion: reader.u32(BaseBlockField.minorVersion),
    fileType: reader.u32(BaseBlockField.fileType),
    fileFormat: reader.u32(BaseBlockField.fileFormat),
    rootCellOffset: reader.u32(BaseBlockField.rootCellOffset),
    hiveBinsDataSize: reader.u32(BaseBlockField.hiveBinsDataSize),
    clusteringFactor: reader.u32(BaseBlockField.clusteringFactor),
    fileName: reader.utf16(BaseBlockField.fileName, nameEnd),
    flags: reader.u32(BaseBlockField.flags),
    storedChecksum: reader.u32(CHECKSUM_OFFSET),
    computedChecksum: baseBlockChecksum(bytes),
    bootType: full ? reader.u32(BaseBlockField.bootType) : 0,
    bootRecover: full ? reader.u32(BaseBlockField.bootRecover) : 0,
  };
}

export function checksumOk(block: BaseBlock): boolean {
  return block.storedChecksum === block.computedChecksum;
}

/** Sequence numbers differ: Windows was interrupted while writing, the logs hold the rest. */
export function sequencesDiffer(block: BaseBlock): boolean {
  return block.primarySequence !== block.secondarySequence;
}

/** Writes the checksum field of a 4096-byte base block in place. */
export function writeBaseBlockChecksum(block: Uint8Array): void {
  new DataView(block.buffer, block.byteOffset, BASE_BLOCK_SIZE).setUint32(CHECKSUM_OFFSET, baseBlockChecksum(block), true);
}

/** FILETIME (100 ns since 1601) to a JS Date (millisecond precision). */
export function filetimeToDate(filetime: bigint): Date {
  return new Date(Number(filetime / 10000n) - 11644473600000);
}

export function dateToFiletime(date: Date): bigint {
  return (BigInt(date.getTime()) + 11644473600000n) * 10000n;
}
