/**
 * What the Registry Editor page reads: one key with its subkeys and values (every type, with
 * the raw bytes for the hex view), a bounded search, and a key's `.reg` export (the library's
 * lossless exporter). The view is the image's hive with the staged edits applied in memory by
 * the same code apply uses (applyRegistryChanges on a HiveEditor), so a person sees the result
 * of their edits before anything is written.
 */
import { NotFoundError, UsageError } from "../errors.js";
import { decodedData, regExportBytes, editHive, type Hive, type RegKey, type RegValue, regTypeName } from "../regf/internal.js";
import type { HiveName, RegistryChange } from "../changes/change.js";
import { applyRegistryChanges } from "../changes/apply-registry-changes.js";

/** Values larger than this are sent truncated (the page says so); the .reg export has them whole. */
export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_SEARCH_RESULTS = 200;
/** Keys a search visits at most: a bound on time and memory for any hive. */
export const MAX_SEARCH_KEYS = 500_000;

export interface ValueView {
  name: string;
  type: number;
  typeName: string;
  size: number;
  /** Decoded data for string, multi-string, DWORD and QWORD types; null otherwise. */
  data: string | string[] | number | null;
  /** The bytes in hex (at most MAX_VALUE_BYTES of them). */
  hex: string;
  truncated: boolean;
}

export interface KeyView {
  hive: HiveName;
  path: string;
  name: string;
  lastWritten: string | null;
  className: string | null;
  subkeys: { name: string; hasSubkeys: boolean }[];
  values: ValueView[];
}

/** The hive as it would be with `changes` applied (the image's hive when there are none). */
export function previewHive(hive: Hive, name: HiveName, changes: RegistryChange[]): Hive {
  const own = changes.filter((change) => change.hive === name);
  if (own.length === 0) return hive;
  const editor = editHive(hive);
  applyRegistryChanges(editor, name, own);
  return editor.toHive();
}

export function cleanKeyPath(path: string): string {
  const clean = path.replace(/\//g, "\\").replace(/^\\+|\\+$/g, "");
  if (clean === "") return clean;
  if (clean.length > 32_767) throw new UsageError("bad-key-path", "key path too long");
  if (clean.split("\\").some((part) => part === "")) throw new UsageError("bad-key-path", `empty key name in ${JSON.stringify(path)}`);
  return clean;
}

export function findKey(hive: Hive, path: string): RegKey {
  const clean = cleanKeyPath(path);
  const key = clean === "" ? hive.root() : hive.key(clean);
  if (!key) throw new NotFoundError("key-not-found", `no key ${JSON.stringify(clean)} in the hive`, { path: clean });
  return key;
}

function filetimeIso(ft: bigint): string | null {
  if (ft === 0n) return null;
  const ms = Number(ft / 10_000n) - 11_644_473_600_000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function valueView(regValue: RegValue): ValueView {
  const bytes = regValue.data();
  const shown = bytes.subarray(0, MAX_VALUE_BYTES);
  let data: ValueView["data"];
  try {
    data = decodedData(regValue);
  } catch {
    data = null;
  }
  return { name: regValue.name, type: regValue.type, typeName: regTypeName(regValue.type), size: bytes.length, data, hex: Buffer.from(shown).toString("hex"), truncated: shown.length < bytes.length };
}

export function keyView(hive: Hive, name: HiveName, path: string): KeyView {
  const key = findKey(hive, path);
  const subkeys = key
    .subkeys()
    .map((subkey) => ({ name: subkey.name, hasSubkeys: subkey.subkeyCount > 0 }))
    .sort((a, b) => a.name.toUpperCase().localeCompare(b.name.toUpperCase()));
  const values = key.values().map(valueView).sort((a, b) => (a.name === "" ? -1 : b.name === "" ? 1 : a.name.toUpperCase().localeCompare(b.name.toUpperCase())));
  return { hive: name, path: key.path, name: key.name, lastWritten: filetimeIso(key.lastWritten), className: key.className() ?? null, subkeys, values };
}

export interface SearchHit {
  hive: HiveName;
  path: string;
  /** Set when a value's name or data matched. */
  value?: string;
  match: "key" | "value-name" | "data";
}

/** Keys, value names and string data containing `query` (case-insensitive), breadth first, bounded. */
export function searchHive(hive: Hive, name: HiveName, query: string, from = ""): { hits: SearchHit[]; complete: boolean } {
  const needle = query.toUpperCase();
  if (needle === "") throw new UsageError("empty-search", "type something to search for");
  const hits: SearchHit[] = [];
  const queue: RegKey[] = [findKey(hive, from)];
  const seen = new Set<number>();
  let visited = 0;
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i];
    if (seen.has(key.offset)) continue;
    seen.add(key.offset);
    if (++visited > MAX_SEARCH_KEYS) return { hits, complete: false };
    if (key.name.toUpperCase().includes(needle) && key.path !== "") hits.push({ hive: name, path: key.path, match: "key" });
    for (const regValue of key.values()) {
      if (regValue.name.toUpperCase().includes(needle)) hits.push({ hive: name, path: key.path, value: regValue.name, match: "value-name" });
      else {
        let data: ValueView["data"] = null;
        try {
          data = decodedData(regValue);
        } catch {
          data = null;
        }
        const text = Array.isArray(data) ? data.join("\n") : typeof data === "string" ? data : null;
        if (text !== null && text.toUpperCase().includes(needle)) hits.push({ hive: name, path: key.path, value: regValue.name, match: "data" });
      }
      if (hits.length >= MAX_SEARCH_RESULTS) return { hits, complete: false };
    }
    if (hits.length >= MAX_SEARCH_RESULTS) return { hits, complete: false };
    for (const subkey of key.subkeys()) queue.push(subkey);
    // Drop what was visited: memory stays bounded by the frontier.
    if (i > 4096) {
      queue.splice(0, i + 1);
      i = -1;
    }
  }
  return { hits, complete: true };
}

/** The `.reg` export of a key and everything under it, UTF-16 with a BOM as regedit writes it. */
export function exportKey(hive: Hive, name: HiveName, path: string): Buffer {
  const key = findKey(hive, path);
  const prefix = name === "BCD" ? "HKEY_LOCAL_MACHINE\\BCD00000000" : `HKEY_LOCAL_MACHINE\\${name}`;
  return Buffer.concat([...regExportBytes(key, { prefix })]);
}
