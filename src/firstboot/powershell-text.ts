/**
 * Turning values into PowerShell and cmd source text safely, and command lines into the
 * `-EncodedCommand` form. Everything that goes into a generated script from a plan passes
 * through here, so a quote in a user's value can never end a string early.
 */

/** A PowerShell single-quoted string literal: only the quote itself needs doubling. */
export function psString(value: string): string {
  // PowerShell also treats the typographic single quotes as quote characters.
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** A PowerShell array literal of strings: @('a','b'); @() when empty. */
export function psStringArray(values: readonly string[]): string {
  return `@(${values.map(psString).join(",")})`;
}

/** A PowerShell integer literal (checked: plans are user input). */
export function psInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return String(value);
}

/** A PowerShell boolean. */
export function psBool(value: boolean): string {
  return value ? "$true" : "$false";
}

/** Base64 of the UTF-16LE text: what powershell.exe -EncodedCommand takes. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

/** Inverse of encodeCommand (tests and `p2vfix report` use it to show what a hook runs). */
export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, "base64").toString("utf16le");
}
