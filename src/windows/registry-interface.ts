/**
 * The small read interface the Windows model is written against. `RegKey`/`RegValue` from
 * src/regf satisfy it structurally, and so does the in-memory registry built from a .reg file
 * (memory-registry.ts), so the model runs on a hive or on a regedit export alike. Types only:
 * the typed reads over it live in registry.ts, the lookup memo in remembered-key.ts.
 */

export interface RegistryValue {
  readonly name: string;
  readonly type: number;
  data(): Uint8Array;
  string(): string;
  multiString(): string[];
  dword(): number | undefined;
  qword(): bigint | undefined;
}

export interface RegistryKey {
  readonly name: string;
  /** Path from the hive root, "\"-separated, "" for the root. */
  readonly path: string;
  subkeys(): RegistryKey[];
  subkey(name: string): RegistryKey | undefined;
  /** Case-insensitive relative path lookup. */
  key(relPath: string): RegistryKey | undefined;
  values(): RegistryValue[];
  value(name: string): RegistryValue | undefined;
}

/** The hive roots the model reads; a missing hive makes its sections "unknown". */
export interface WindowsHives {
  system: RegistryKey;
  software?: RegistryKey;
  bcd?: RegistryKey;
  /** Where each came from, for the report. */
  sources: { system: string; software?: string; bcd?: string };
  /** Hives that were found but could not be opened: their sections become "unknown". */
  problems?: { section: string; reason: string }[];
  /** What a person should know about the hives as read (dirty, logs applied or missing). */
  warnings?: string[];
}
