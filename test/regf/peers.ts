/** Parsers for the peer tools' exports, into the KeySet shape of keyset.ts. */
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { regTypeNumber } from "../../src/regf/value-types.js";
import { hex, relativePath, type KeySet } from "./keyset.js";

/**
 * hivexregedit --export output. Perl prints a line holding a character above U+00FF as UTF-8
 * and any other line as Latin-1, so each line is decoded on its own.
 */
export function parseHivexExport(bytes: Buffer, prefix: string): KeySet {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const lines: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const raw = bytes.subarray(start, end);
    let line: string;
    try {
      line = utf8.decode(raw);
    } catch {
      line = raw.toString("latin1");
    }
    lines.push(line);
    start = end + 1;
  }
  const set: KeySet = new Map();
  for (const op of parseRegFile(lines.join("\n")).ops) {
    if (op.kind === "key") set.set(relativePath(op.path, prefix), new Map());
    else if (op.kind === "value") set.get(relativePath(op.keyPath, prefix))!.set(op.name, { type: op.type, hex: hex(op.data) });
  }
  return set;
}

export interface RegfexportValue {
  name: string;
  type: number;
  size: number;
  /** Exact bytes when regfexport printed a hex dump. */
  hex?: string;
  /** The text after "Data: " otherwise (strings decoded, integers in decimal). */
  text?: string;
}

/** Key path → values; keyLines counts "Key path:" lines (two keys may print the same path). */
export type RegfexportKeys = Map<string, RegfexportValue[]> & { keyLines: number };

/** libregf's regfexport text: key path → values (name, type, size, bytes or text). */
export function parseRegfexport(text: string): RegfexportKeys {
  const keys: RegfexportKeys = Object.assign(new Map<string, RegfexportValue[]>(), { keyLines: 0 });
  const lines = text.split("\n");
  let current: RegfexportValue[] | undefined;
  let value: RegfexportValue | undefined;
  let dataLines: string[] | undefined;
  let hexDump = false;
  const finishValue = () => {
    if (value && dataLines) {
      while (dataLines.length && dataLines[dataLines.length - 1] === "") dataLines.pop();
      if (hexDump) value.hex = dataLines.map((l) => (l.slice(10, 59).match(/[0-9a-f]{2}/g) ?? []).join("")).join("");
      else value.text = dataLines.join("\n");
    }
    value = undefined;
    dataLines = undefined;
  };
  for (const line of lines) {
    if (line.startsWith("Key path: ")) {
      finishValue();
      keys.keyLines++;
      const full = line.slice(10);
      const cut = full.indexOf("\\");
      const path = cut < 0 ? "" : full.slice(cut + 1);
      current = [];
      keys.set(path, current);
      continue;
    }
    const v = /^Value: \d+ (.*)$/.exec(line);
    if (v && current) {
      finishValue();
      value = { name: v[1] === "(default)" ? "" : v[1], type: -1, size: -1 };
      current.push(value);
      continue;
    }
    if (dataLines) {
      dataLines.push(line);
      continue;
    }
    if (!value) continue;
    const t = /^Type: (?:.*\((REG_[A-Z_]+)\)|unknown: (0x[0-9a-f]+))$/.exec(line);
    if (t) {
      value.type = t[1] ? (regTypeNumber(t[1].replace("REG_DWORD_LITTLE_ENDIAN", "REG_DWORD").replace("REG_QWORD_LITTLE_ENDIAN", "REG_QWORD")) ?? -2) : parseInt(t[2], 16);
      continue;
    }
    const s = /^Data size: (\d+)$/.exec(line);
    if (s) {
      value.size = Number(s[1]);
      continue;
    }
    if (line === "Data:") {
      hexDump = true;
      dataLines = [];
    } else if (line.startsWith("Data: ")) {
      hexDump = false;
      dataLines = [line.slice(6)];
    }
  }
  finishValue();
  return keys;
}
