/**
 * What Windows accepts as a new file or folder name (Win32 namespace), checked before anything
 * is planned so a bad name never reaches the volume. Rules from Microsoft Learn, "Naming Files,
 * Paths, and Namespaces" (learn.microsoft.com/windows/win32/fileio/naming-a-file):
 * - reserved characters < > : " / \ | ? * and code units 0-31;
 * - reserved device names CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with superscript 1-3), with
 *   or without an extension ("aux.txt" is as reserved as "AUX");
 * - a name must not end in a space or a period (Windows would strip it; the file would then be
 *   unreachable by its own name);
 * - NTFS names hold at most 255 UTF-16 code units.
 */
import { UsageError } from "../../../errors.js";
import { DOS_NAME } from "./short-name.js";

export const MAX_NAME_UNITS = 255;

const RESERVED_CHARACTERS = /[<>:"/\\|?*\u0000-\u001f]/;
const RESERVED_DEVICES = /^(CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3])$/i;

/** Throws UsageError (code names the rule) unless `name` is a name Windows can create. */
export function checkWin32Name(name: string, path: string): void {
  if (name.length === 0) throw new UsageError("empty-name", `${path}: a file name cannot be empty`, { path });
  if (name === "." || name === "..") throw new UsageError("invalid-name", `${path}: "${name}" cannot be a file name`, { path });
  if (name.length > MAX_NAME_UNITS) throw new UsageError("name-too-long", `${path}: the name has ${name.length} UTF-16 units; NTFS allows ${MAX_NAME_UNITS}`, { path });
  const bad = RESERVED_CHARACTERS.exec(name);
  if (bad) {
    const shown = bad[0].charCodeAt(0) < 32 ? `control character 0x${bad[0].charCodeAt(0).toString(16)}` : `"${bad[0]}"`;
    throw new UsageError("invalid-name", `${path}: the name contains ${shown}, which Windows does not allow in file names`, { path });
  }
  const last = name.charCodeAt(name.length - 1);
  if (last === 0x20 || last === 0x2e) throw new UsageError("invalid-name", `${path}: the name ends in a space or a period, which Windows strips; give the name without it`, { path });
  // The device name is the part before the first period, trailing spaces ignored ("CON .txt");
  // only 3 or 4 units long.
  let stemEnd = name.indexOf(".");
  if (stemEnd < 0) stemEnd = name.length;
  while (stemEnd > 0 && name.charCodeAt(stemEnd - 1) === 0x20) stemEnd--;
  const stem = stemEnd === 3 || stemEnd === 4 ? name.slice(0, stemEnd) : "";
  if (stem !== "" && RESERVED_DEVICES.test(stem)) throw new UsageError("reserved-name", `${path}: "${name}" is a reserved device name on Windows (${stem.toUpperCase()})`, { path });
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    // Unpaired surrogates are legal NTFS units but not valid Unicode: Windows tools mangle them.
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new UsageError("invalid-name", `${path}: the name holds an unpaired UTF-16 surrogate`, { path });
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) throw new UsageError("invalid-name", `${path}: the name holds an unpaired UTF-16 surrogate`, { path });
  }
}


/**
 * The $FILE_NAME namespace for a new name with no separate 8.3 alias: WIN32_AND_DOS (3) when
 * the name is itself a valid upper-case 8.3 name, as Windows stores "README.TXT"; POSIX (0)
 * otherwise, as ntfs-3g does. Not WIN32 (1): that namespace promises a separate DOS name, and
 * ntfs-3g's unlink (dir.c ntfs_delete) fails with ENOENT when it does not find one.
 */
export function namespaceFor(name: string): number {
  return DOS_NAME.test(name) ? 3 : 0;
}
