/**
 * Names compare case-insensitively the way Windows does (registry keys and values, FAT names):
 * each UTF-16 code unit is upper-cased on its own (RtlUpcaseUnicodeChar), so surrogate pairs never fold (U+10410 and
 * U+10438 are different names) and a letter whose upper case is two characters (ß) stays as is.
 */
/** Upper case per code unit, filled on first use of each unit (0 = not computed yet). */
const upcaseTable = new Uint16Array(0x10000);

function computeUpcase(code: number): number {
  let upper = code;
  if (code >= 0x61 && !(code >= 0xd800 && code <= 0xdfff)) {
    const up = String.fromCharCode(code).toUpperCase();
    if (up.length === 1) upper = up.charCodeAt(0);
  }
  upcaseTable[code] = upper;
  return upper;
}

function up(unit: number): number {
  return upcaseTable[unit] || computeUpcase(unit);
}

/** One UTF-16 code unit upper-cased as Windows does. */
export function upcaseUnit(unit: number): number {
  return up(unit & 0xffff);
}

/** The whole name upper-cased unit by unit. */
export function upcaseName(name: string): string {
  let out = "";
  let changed = false;
  const units = new Array<number>(name.length);
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const upper = up(code);
    if (upper !== code) changed = true;
    units[i] = upper;
  }
  if (!changed) return name;
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.slice(i, i + 8192));
  return out;
}

/** Windows' ordering of subkey names: by upper-cased UTF-16 code units. Negative, 0 or positive. */
export function compareNames(left: string, right: string): number {
  const shorter = Math.min(left.length, right.length);
  for (let i = 0; i < shorter; i++) {
    const ca = left.charCodeAt(i);
    const cb = right.charCodeAt(i);
    if (ca === cb) continue;
    const difference = up(ca) - up(cb);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

export function namesEqual(left: string, right: string): boolean {
  return left.length === right.length && compareNames(left, right) === 0;
}
