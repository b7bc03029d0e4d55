/**
 * Build-time copies of data files, already parsed and validated, so that a run whose data files
 * are unchanged skips the YAML parser and the schema library (both are slow to load).
 *
 * A copy is used only when the hash of the data file's bytes and the hash of the validator
 * module that produced it both match what the build recorded; any edit to either after the
 * build (or no copy at all, as when running from src/) means the file is parsed and validated
 * again. The data files stay the single source of truth.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

export const COMPILED_DATA_FORMAT = 1;

export interface CompiledDataFile {
  /** SHA-256 (hex) of the data file's bytes when it was compiled. */
  sha256: string;
  /** What the validator returned for those bytes. */
  value: unknown;
}

export interface CompiledData {
  format: typeof COMPILED_DATA_FORMAT;
  /** SHA-256 (hex) of the validator module's file: a copy made by other code is not trusted. */
  validatorSha256: string;
  /** Keyed by the data file's name within its folder ("vendor-services.yaml"). */
  files: Record<string, CompiledDataFile>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The SHA-256 of a file, or undefined when it cannot be read. */
export function fileSha256(path: string): string | undefined {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return undefined;
  }
}

/**
 * The compiled copy at `path`, or undefined when there is none or it is not one this code
 * wrote: a missing or damaged copy only costs the slow path, never a wrong answer.
 */
export function readCompiledData(path: string): CompiledData | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const candidate = parsed as Partial<CompiledData>;
  if (candidate.format !== COMPILED_DATA_FORMAT || typeof candidate.validatorSha256 !== "string") return undefined;
  if (typeof candidate.files !== "object" || candidate.files === null || Array.isArray(candidate.files)) return undefined;
  return candidate as CompiledData;
}

/**
 * The compiled value of `file` when its copy was made from exactly these bytes by this
 * validator; undefined otherwise (the caller parses and validates).
 */
export function compiledValue(compiled: CompiledData | undefined, validatorSha256: string | undefined, file: string, bytes: Uint8Array): { value: unknown } | undefined {
  if (compiled === undefined || validatorSha256 === undefined || compiled.validatorSha256 !== validatorSha256) return undefined;
  if (!Object.hasOwn(compiled.files, file)) return undefined;
  const entry = compiled.files[file];
  if (typeof entry !== "object" || entry === null || typeof entry.sha256 !== "string" || !("value" in entry)) return undefined;
  return entry.sha256 === sha256Hex(bytes) ? { value: entry.value } : undefined;
}

/** A data file's value: the compiled copy when it matches the bytes, else `validate` of the text. */
export function dataFileValue<T>(
  compiled: CompiledData | undefined,
  validatorSha256: string | undefined,
  file: string,
  bytes: Buffer,
  validate: (text: string) => T,
): T {
  const hit = compiledValue(compiled, validatorSha256, file, bytes);
  return hit !== undefined ? (hit.value as T) : validate(bytes.toString("utf8"));
}

/**
 * A compiled copy of validated values. Refuses a value that JSON would not give back
 * unchanged (undefined members, NaN, Infinity, -0, ...): the fast path must return exactly
 * what the slow path does.
 */
export function compileData(validatorSha256: string, files: { file: string; bytes: Uint8Array; value: unknown }[]): CompiledData {
  const compiled: CompiledData = { format: COMPILED_DATA_FORMAT, validatorSha256, files: {} };
  for (const { file, bytes, value } of files) {
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(value ?? null)) as unknown, value)) {
      throw new Error(`${file}: its validated value does not survive JSON unchanged, so it cannot be compiled`);
    }
    compiled.files[file] = { sha256: sha256Hex(bytes), value };
  }
  return compiled;
}
