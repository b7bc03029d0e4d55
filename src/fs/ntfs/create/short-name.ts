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

/** A valid upper-case 8.3 name: it is its own DOS name (namespace WIN32_AND_DOS). */
export const DOS_NAME = /^[A-Z0-9!#$%&'()\-@^_`{}~]{1,8}(\.[A-Z0-9!#$%&'()\-@^_`{}~]{1,3})?$/;

const MAX_TRIES = 1_000_000;

/** The characters of `part` a short name keeps: upper case, DOS characters, "_" for the rest. */
function shortChars(part: string): string {
  let out = "";
  for (const original of part) {
    // Upper case for ASCII only: JS would turn "ß" into "SS", which is no DOS character anyway.
    const ch = original <= "\x7f" ? original.toUpperCase() : "\u0080";
    if (ch === " " || ch === ".") continue; // dropped, as in "My File.tar.gz" → MYFILE~1.GZ
    if (/[:;,+=[\]]/.test(ch)) out += "_";
    else if (/^[A-Z0-9!#$%&'()\-@^_`{}~]$/.test(ch)) out += ch;
    else out += "_"; // extended or not allowed in a DOS name
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
