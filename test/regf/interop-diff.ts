/** Differences between our view of a hive and a peer tool's, as readable strings. */
import type { Hive } from "../../src/regf/hive.js";
import { KeyFlags } from "../../src/regf/cells/nk.js";
import { RegType } from "../../src/regf/value-types.js";
import { iterateKeys } from "../../src/regf/walk.js";
import type { KeySet } from "./keyset.js";
import type { RegfexportKeys } from "./peers.js";

export function diffKeySets(ours: KeySet, theirs: KeySet, limit = 20): string[] {
  const out: string[] = [];
  for (const [path, values] of ours) {
    const other = theirs.get(path);
    if (!other) {
      out.push(`missing key ${JSON.stringify(path)}`);
      continue;
    }
    for (const [name, v] of values) {
      const o = other.get(name);
      if (!o) out.push(`missing value ${JSON.stringify(path)} ${JSON.stringify(name)}`);
      else if (o.type !== v.type || o.hex !== v.hex) out.push(`value ${JSON.stringify(path)} ${JSON.stringify(name)}: ours ${v.type}:${v.hex.slice(0, 40)} theirs ${o.type}:${o.hex.slice(0, 40)}`);
    }
    for (const name of other.keys()) if (!values.has(name)) out.push(`extra value ${JSON.stringify(path)} ${JSON.stringify(name)}`);
  }
  for (const path of theirs.keys()) if (!ours.has(path)) out.push(`extra key ${JSON.stringify(path)}`);
  return out.slice(0, limit);
}

/**
 * Where libregf's regfexport and the regf specification part ways, and p2vfix follows the
 * specification (and hivex, and Windows):
 * - "name-nul": regfexport cuts names at an embedded NUL; names are counted, NUL is legal.
 * - "name-cp1252": regfexport decodes compressed (one byte per character) names with its
 *   default code page windows-1252; Windows widens each byte (Latin-1), as the spec says.
 * - "inline-short": for inline data under 4 bytes regfexport takes the LAST bytes of the data
 *   offset field; the data starts at its first byte (hivex agrees with p2vfix).
 * - "string-size": regfexport reports the size of a string without extra trailing NULs; the
 *   vk data size field is the size.
 * - "integer-size": REG_DWORD/REG_QWORD whose stored size is not 4/8: regfexport reports 4/8.
 */
export type RegfexportDisagreement = "name-nul" | "name-cp1252" | "inline-short" | "string-size" | "integer-size";

/** windows-1252 for 0x80-0x9F (elsewhere it equals Latin-1); 0 = undefined in the code page. */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** The name as regfexport prints it. */
function libregfName(name: string, compressed: boolean): string {
  let out = name;
  const nul = out.indexOf("\0");
  if (nul >= 0) out = out.slice(0, nul);
  if (compressed) out = out.replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80] || c.charCodeAt(0)));
  return out;
}

export interface RegfexportDiff {
  /** Disagreements that none of the known classes explain. */
  unexplained: string[];
  explained: Partial<Record<RegfexportDisagreement, number>>;
}

export function diffRegfexport(hive: Hive, theirs: RegfexportKeys, limit = 20): RegfexportDiff {
  const out: string[] = [];
  const explained: Partial<Record<RegfexportDisagreement, number>> = {};
  const note = (c: RegfexportDisagreement) => void (explained[c] = (explained[c] ?? 0) + 1);
  const theirPath = new Map<number, string>();
  let ourKeys = 0;
  for (const { key, depth } of iterateKeys(hive.root())) {
    ourKeys++;
    const compressedKey = (key.flags & KeyFlags.COMP_NAME) !== 0;
    const shown = libregfName(key.name, compressedKey);
    if (shown !== key.name) note(key.name.includes("\0") ? "name-nul" : "name-cp1252");
    const parentPath = depth === 0 ? undefined : theirPath.get(key.parentOffset);
    const path = depth === 0 ? "" : parentPath === "" || parentPath === undefined ? shown : `${parentPath}\\${shown}`;
    theirPath.set(key.offset, path);
    const other = theirs.get(path);
    if (!other) {
      out.push(`missing key ${JSON.stringify(path)}`);
      continue;
    }
    const values = key.values();
    if (values.length !== other.length) out.push(`key ${JSON.stringify(path)}: ${values.length} values, regfexport ${other.length}`);
    values.forEach((v, i) => {
      const o = other[i];
      if (!o) return;
      const where = `${JSON.stringify(path)} ${JSON.stringify(v.name)}`;
      const vName = libregfName(v.name, (v.flags & 1) !== 0);
      if (vName !== v.name) note(v.name.includes("\0") ? "name-nul" : "name-cp1252");
      if (o.name !== vName) out.push(`value name ${where}: regfexport ${JSON.stringify(o.name)}`);
      if (o.type !== v.type) out.push(`value type ${where}: ${v.type}, regfexport ${o.type}`);
      const data = v.data();
      const isString = v.type === RegType.SZ || v.type === RegType.EXPAND_SZ || v.type === RegType.LINK;
      const isInteger = v.type === RegType.DWORD || v.type === RegType.DWORD_BIG_ENDIAN || v.type === RegType.QWORD;
      const intSize = v.type === RegType.QWORD ? 8 : 4;
      let sizeExplained = false;
      if (o.size !== v.dataSize) {
        if (isInteger && v.dataSize !== intSize) {
          note("integer-size");
          return;
        }
        // regfexport may also read past the data size into the cell's slack.
        if (isString && (o.text ?? "").startsWith(v.string())) {
          note("string-size");
          sizeExplained = true;
        } else out.push(`value size ${where}: ${v.dataSize}, regfexport ${o.size}`);
      }
      if (o.hex !== undefined) {
        const ours = Buffer.from(data).toString("hex");
        if (o.hex === ours) return;
        if (v.inline && data.length < 4) {
          const field = hive.bytes.subarray(4096 + v.offset + 4 + 8, 4096 + v.offset + 4 + 12);
          if (o.hex === Buffer.from(field.subarray(4 - data.length)).toString("hex")) {
            note("inline-short");
            return;
          }
        }
        out.push(`value bytes ${where}: ours ${ours.slice(0, 32)} regfexport ${o.hex.slice(0, 32)}`);
        return;
      }
      const text = o.text ?? "";
      if (data.length === 0 && text === "") return;
      let expected: string | undefined;
      if (isString) expected = v.string();
      else if (v.type === RegType.DWORD || v.type === RegType.DWORD_BIG_ENDIAN) expected = String(v.dword());
      else if (v.type === RegType.QWORD) expected = String(v.qword());
      // Text that ends in line breaks cannot be told apart in regfexport's layout.
      if (expected?.replace(/\s+$/, "") !== text.replace(/\s+$/, "") && !sizeExplained) out.push(`value data ${where}: ours ${JSON.stringify(expected?.slice(0, 40))} regfexport ${JSON.stringify(text.slice(0, 40))}`);
    });
  }
  if (theirs.keyLines !== ourKeys) out.push(`${ourKeys} keys, regfexport ${theirs.keyLines}`);
  return { unexplained: out.slice(0, limit), explained };
}
