/**
 * DOS 8.3 short names for new files, as Windows makes them when the volume keeps them
 * (NtfsDisable8dot3NameCreation, see docs/ntfs-create.md "Names").
 *
 * Rules from Microsoft Learn, RtlGenerate8dot3Name (ntifs.h,
 * learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/nf-ntifs-rtlgenerate8dot3name): the short
 * name has at most 8 characters, a period and at most 3 more; it is upper case; leading periods
 * of the long name are skipped; ":" ";" "," "+" "=" "[" "]" become "_"; with extended characters
 * not allowed (the default, NtfsAllowExtendedCharacterIn8dot3Name = 0) only characters 0x20-0x7f
 * are kept; the mapping is not deterministic (callers must not expect a given tail), and it gives
 * up after a million tries. The "~N" tail on the first six characters is the documented form
 * ("NAME~1.EXT", Microsoft Learn "Naming Files, Paths, and Namespaces", Short vs. Long Names).
 * Windows switches to a hashed form after ~4, whose hash is not documented: p2vfix goes on
 * counting (~5 ... ~999999), which is just as valid.
 */
import { RefusedError } from "../../../errors.js";

/** The characters a DOS name allows (upper case only), as a regular expression class. */
const DOS_CHARACTER = "[A-Z0-9!#$%&'()\\-@^_`{}~]";

/** A valid upper-case 8.3 name: it is its own DOS name (namespace WIN32_AND_DOS). */
export const DOS_NAME = new RegExp(`^${DOS_CHARACTER}{1,8}(\\.${DOS_CHARACTER}{1,3})?$`);

const MAX_TRIES = 1_000_000;

/** One character a DOS name allows as it is. */
const DOS_CHAR = new RegExp(`^${DOS_CHARACTER}$`);

/**
 * What a short name keeps of each ASCII character, by code: upper case (JS upper-cases ASCII
 * letters only here), "" for a space or a period (dropped, as in "My File.tar.gz" → MYFILE~1.GZ),
 * and "_" for one DOS names do not allow (":" ";" "," "+" "=" "[" "]", controls). A table: two
 * regular expressions per character were ~3 µs of every new file's name.
 */
const SHORT_CHAR: readonly string[] = Array.from({ length: 0x80 }, (_, code) => {
  const ch = String.fromCharCode(code).toUpperCase();
  if (ch === " " || ch === ".") return "";
  return DOS_CHAR.test(ch) ? ch : "_";
});

/** The characters of `part` a short name keeps: SHORT_CHAR for ASCII, "_" for any other character (a surrogate pair is one). */
export function shortChars(part: string): string {
  let out = "";
  for (let i = 0; i < part.length; i++) {
    const code = part.charCodeAt(i);
    if (code < 0x80) {
      out += SHORT_CHAR[code];
      continue;
    }
    out += "_"; // extended: not allowed in a DOS name
    // A pair of surrogates is one character.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < part.length) {
      const next = part.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return out;
}

/**
 * The short name for `name`, unique in its folder: `taken(candidate)` says whether a name in the
 * folder already equals it ignoring case. A name that is already valid 8.3 once upper-cased
 * ("readme.txt") gets its upper-case form when that is free.
 *
 * `tails`, kept per folder by a caller that only adds names to it between calls: the "~N" each
 * six-character stem and extension was last given, below which every tail is known to be taken, so 1,500
 * "file-NNNNN.txt" in one folder cost one check each, not one per earlier file. A caller that
 * removes a name from the folder must clear it.
 */
export function shortNameFor(name: string, taken: (candidate: string) => boolean, tails?: Map<string, number>): string {
  const trimmed = name.replace(/^\.+/, "");
  const dot = trimmed.lastIndexOf(".");
  let base = shortChars(dot > 0 ? trimmed.slice(0, dot) : trimmed);
  let ext = dot > 0 ? shortChars(trimmed.slice(dot + 1)).slice(0, 3) : "";
  if (base === "") {
    base = ext || "_";
    ext = "";
  }
  const upper = name.toUpperCase();
  if (/^[\x20-\x7e]+$/.test(name) && DOS_NAME.test(upper) && !taken(upper)) return upper;
  const suffix = ext ? `.${ext}` : "";
  // The candidates depend only on the first six characters and the extension ("|" is no DOS
  // character: the two cannot run into each other).
  const key = `${base.slice(0, 6)}|${suffix}`;
  for (let n = tails?.get(key) ?? 1; n <= MAX_TRIES; n++) {
    const tail = `~${n}`;
    const candidate = `${base.slice(0, Math.min(6, 8 - tail.length))}${tail}${suffix}`;
    if (!taken(candidate)) {
      tails?.set(key, n);
      return candidate;
    }
  }
  throw new RefusedError("short-name-exhausted", `${name}: no free 8.3 short name left in its folder after ${MAX_TRIES} tries (as Windows, which gives up there too); nothing was written`);
}
