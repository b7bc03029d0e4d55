/**
 * Key and value names compare case-insensitively the way Windows does: each UTF-16 code unit
 * is upper-cased on its own (RtlUpcaseUnicodeChar), so surrogate pairs never fold (U+10410 and
 * U+10438 are different names) and a letter whose upper case is two characters (ß) stays as is.
 */
let upcaseTable: Uint16Array | undefined;

function table(): Uint16Array {
  if (upcaseTable) return upcaseTable;
  const t = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c < 0x61) t[c] = c;
    else if (c >= 0xd800 && c <= 0xdfff) t[c] = c;
    else {
      const up = String.fromCharCode(c).toUpperCase();
      t[c] = up.length === 1 ? up.charCodeAt(0) : c;
    }
  }
  upcaseTable = t;
  return t;
}

/** One UTF-16 code unit upper-cased as Windows does. */
export function upcaseUnit(unit: number): number {
  return table()[unit & 0xffff];
}

/** The whole name upper-cased unit by unit. */
export function upcaseName(name: string): string {
  const t = table();
  let out = "";
  let changed = false;
  const units = new Array<number>(name.length);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const u = t[c];
    if (u !== c) changed = true;
    units[i] = u;
  }
  if (!changed) return name;
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.slice(i, i + 8192));
  return out;
}

/** Windows' ordering of subkey names: by upper-cased UTF-16 code units. Negative, 0 or positive. */
export function compareNames(a: string, b: string): number {
  const t = table();
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = t[a.charCodeAt(i)] - t[b.charCodeAt(i)];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function namesEqual(a: string, b: string): boolean {
  return a.length === b.length && compareNames(a, b) === 0;
}

/** The `lh` list hint: hash = hash * 37 + upcase(unit) over the name, 32-bit. */
export function lhHash(name: string): number {
  const t = table();
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 37) + t[name.charCodeAt(i)]) >>> 0;
  return h;
}
