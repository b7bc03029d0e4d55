/** A ByteReader whose bounds errors are NtfsErrors carrying the absolute offset. */
import { NtfsError } from "../../errors.js";
import { ByteReader } from "../../util/byte-reader.js";

export function ntfsFail(code: string, message: string, offset: number): NtfsError {
  return new NtfsError(code, message, { offset });
}

export function ntfsReader(bytes: Uint8Array, base = 0): ByteReader {
  return new ByteReader(bytes, ntfsFail, base);
}

/** Largest single buffer a read may allocate; bigger files are read through readFileRange. */
export const MAX_READ_BYTES = 1024 * 1024 * 1024;
