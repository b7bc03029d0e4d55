/**
 * JSON export. The document (format "p2vfix-registry", version 1):
 * { "format": "p2vfix-registry", "version": 1, "prefix": string,
 *   "keys": [ { "path": string (from the hive root, "" = root), "name": string,
 *               "lastWritten": ISO 8601 string, "lastWrittenFiletime": decimal string,
 *               "flags": number, "className"?: string,
 *               "values": [ { "name": string ("" = default), "type": number,
 *                             "typeName": "REG_SZ" | ... | "REG_0x1f4",
 *                             "size": number, "data": decoded | null, "base64": raw bytes } ] } ] }
 * "data" is a string for REG_SZ / REG_EXPAND_SZ / REG_LINK (up to the first NUL), a string
 * array for REG_MULTI_SZ, a number for 4-byte REG_DWORD / REG_DWORD_BIG_ENDIAN, a decimal
 * string for 8-byte REG_QWORD, and null otherwise; "base64" always holds the exact bytes.
 */
import { filetimeToDate } from "../base-block.js";
import type { RegKey } from "../key.js";
import type { RegValue } from "../value.js";
import { isStringType, RegType, regTypeName } from "../value-types.js";
import { checkedValues, iterateKeys } from "../walk.js";

export const JSON_EXPORT_FORMAT = "p2vfix-registry";

export interface JsonExportOptions {
  prefix?: string;
  chunkSize?: number;
}

export type JsonData = string | string[] | number | null;

export interface JsonValue {
  name: string;
  type: number;
  typeName: string;
  size: number;
  data: JsonData;
  base64: string;
}

export interface JsonKey {
  path: string;
  name: string;
  lastWritten: string;
  lastWrittenFiletime: string;
  flags: number;
  className?: string;
  values: JsonValue[];
}

function filetimeIso(filetime: bigint): string {
  const date = filetimeToDate(filetime);
  return Number.isNaN(date.getTime()) ? "invalid" : date.toISOString();
}

export function decodedData(value: RegValue): JsonData {
  const type = value.type;
  if (isStringType(type)) return value.string();
  if (type === RegType.MULTI_SZ) return value.multiString();
  if (type === RegType.DWORD || type === RegType.DWORD_BIG_ENDIAN) return value.dword() ?? null;
  if (type === RegType.QWORD) return value.qword()?.toString() ?? null;
  return null;
}

export function jsonValue(value: RegValue): JsonValue {
  const raw = value.data();
  return {
    name: value.name,
    type: value.type,
    typeName: regTypeName(value.type),
    size: raw.length,
    data: decodedData(value),
    base64: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString("base64"),
  };
}

export function jsonKey(key: RegKey, withValues = true, seenValues?: Set<number>): JsonKey {
  const out: JsonKey = {
    path: key.path,
    name: key.name,
    lastWritten: filetimeIso(key.lastWritten),
    lastWrittenFiletime: key.lastWritten.toString(),
    flags: key.flags,
    values: [],
  };
  const cls = key.className();
  if (cls !== undefined) out.className = cls;
  if (withValues && key.valueCount > 0) out.values = (seenValues ? checkedValues(key, seenValues) : key.values()).map(jsonValue);
  return out;
}

export function* jsonExportChunks(start: RegKey, options: JsonExportOptions = {}): Generator<string> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  let buf = `{"format":"${JSON_EXPORT_FORMAT}","version":1,"prefix":${JSON.stringify(options.prefix ?? "")},"keys":[\n`;
  let first = true;
  const seenValues = new Set<number>();
  for (const { key } of iterateKeys(start)) {
    buf += (first ? "" : ",\n") + JSON.stringify(jsonKey(key, true, seenValues));
    first = false;
    if (buf.length >= chunkSize) {
      yield buf;
      buf = "";
    }
  }
  yield buf + "\n]}\n";
}

export function exportJson(start: RegKey, options: JsonExportOptions = {}): string {
  return [...jsonExportChunks(start, options)].join("");
}
