/**
 * The name rules of create/win32-name.ts on random names made of the characters that matter
 * to the device-name and trailing-character rules, against the rules written out plainly
 * (Microsoft Learn, "Naming Files, Paths, and Namespaces"): the part before the first period,
 * trailing spaces dropped, must not be a device name; the name must not end in a space or a
 * period.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkWin32Name } from "../../../src/fs/ntfs/create/win32-name.js";
import { P2vfixError } from "../../../src/errors.js";

const DEVICES = /^(CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3])$/i;

/** The error code the rules give `name` (only names without reserved characters are generated). */
function expectedCode(name: string): string | undefined {
  if (name === "." || name === "..") return "invalid-name";
  if (/[ .]$/.test(name)) return "invalid-name";
  if (DEVICES.test(name.split(".")[0].replace(/ +$/, ""))) return "reserved-name";
  return undefined;
}

function actualCode(name: string): string | undefined {
  try {
    checkWin32Name(name, `/x/${name}`);
    return undefined;
  } catch (err) {
    if (!(err instanceof P2vfixError)) throw err;
    return err.code;
  }
}

describe("checkWin32Name: device names and trailing characters", () => {
  it("agrees with the rules on names built from device-name letters, digits, spaces and periods", () => {
    const unit = fc.constantFrom(..."CONconPRUXAuxLTlt19\u00b9\u00b3 .x");
    const random = fc.array(unit, { minLength: 1, maxLength: 12 }).map((units) => units.join(""));
    // Device names and near misses, then spaces, then an extension or none.
    const stem = fc.constantFrom("CON", "con", "PRN", "aux", "NUL", "COM1", "com\u00b3", "LPT9", "COM", "CONX", "COM10", "x", "");
    const shaped = fc.tuple(stem, fc.constantFrom("", " ", "   "), fc.constantFrom("", ".", ".txt", ". x", "..a", " .b")).map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(random, shaped).filter((name) => name.length > 0), (name) => {
        expect(actualCode(name), JSON.stringify(name)).toBe(expectedCode(name));
      }),
      { numRuns: 3000 },
    );
  });

  it("examples", () => {
    for (const name of ["CON", "con.txt", "CON .txt", "Con   ", "lpt\u00b9", "COM9.tar.gz", "AUX  .x"]) expect(actualCode(name), name).toBe(name.endsWith(" ") ? "invalid-name" : "reserved-name");
    for (const name of ["CONSOLE", "COM10", "xCON", "NUL_", ".CON", "CO N"]) expect(actualCode(name), name).toBeUndefined();
  });
});
