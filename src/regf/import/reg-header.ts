/**
 * The first line of regedit's .reg text format, owned here for the parser, the exporter and
 * every command that must tell a .reg export from a hive or a disk image by its first bytes.
 */

export const REG_HEADER_V5 = "Windows Registry Editor Version 5.00";
export const REG_HEADER_V4 = "REGEDIT4";

/** The bytes a caller should read from a file's start for `looksLikeRegExport`. */
export const REG_SNIFF_BYTES = 96;

/** True when `head` (a file's first bytes; UTF-16LE with BOM, or UTF-8/ANSI) opens like a .reg export. */
export function looksLikeRegExport(head: Uint8Array): boolean {
  const utf16 = head[0] === 0xff && head[1] === 0xfe;
  const text = new TextDecoder(utf16 ? "utf-16le" : "utf-8").decode(head.subarray(0, REG_SNIFF_BYTES));
  return /^\uFEFF?(Windows Registry Editor|REGEDIT4)/.test(text);
}
