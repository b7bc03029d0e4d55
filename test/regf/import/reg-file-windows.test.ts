/** A .reg file read in windows gives the operations and line numbers the whole-text parser gives. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RegFileError } from "../../../src/errors.js";
import { parseRegFile, readRegFileWindows } from "../../../src/regf/import/reg-file.js";
import { regFileWindows } from "../../../src/regf/import/reg-file-windows.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-reg-windows-"));

function sample(eol: string): string {
  const lines = ["Windows Registry Editor Version 5.00", ""];
  for (let k = 0; k < 40; k++) {
    lines.push(`[HKEY_LOCAL_MACHINE\\T\\Key${k}\\Ünïcødé ${k}]`);
    lines.push(`"s${k}"="text with \\"quotes\\" and \\\\ ${"é".repeat(k)}"`);
    // A long hex value wrapped over many continuation lines, as regedit writes it.
    const bytes = Array.from({ length: 300 + k * 7 }, (_, i) => ((i * 31 + k) & 0xff).toString(16).padStart(2, "0"));
    const wrapped: string[] = [];
    for (let i = 0; i < bytes.length; i += 25) wrapped.push(bytes.slice(i, i + 25).join(",") + (i + 25 < bytes.length ? ",\\" : ""));
    lines.push(`"h${k}"=hex(3):${wrapped.join(`${eol}  `)}`);
    lines.push(`"d${k}"=dword:${k.toString(16).padStart(8, "0")}`, "");
  }
  return lines.join(eol) + eol;
}

function windowed(path: string, chunk: number) {
  const { windows, characters } = regFileWindows(path, chunk);
  const stream = readRegFileWindows(windows, path, characters);
  return { version: stream.version, ops: [...stream.ops] };
}

describe("regFileWindows", () => {
  for (const [name, eol, encode] of [
    ["UTF-16LE with BOM, CRLF", "\r\n", (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, "utf16le")])],
    ["UTF-8, LF", "\n", (t: string) => Buffer.from(t, "utf8")],
    ["Latin-1 (not UTF-8), CRLF", "\r\n", (t: string) => Buffer.from(t, "latin1")],
  ] as const) {
    it(`${name}: the same operations and lines for every window size`, () => {
      const path = join(dir, `${name.replace(/\W+/g, "-")}.reg`);
      const bytes = encode(sample(eol));
      writeFileSync(path, bytes);
      const whole = parseRegFile(new Uint8Array(bytes), path);
      expect(whole.ops.length).toBe(160);
      for (const chunk of [7, 64, 333, 4096, 1 << 20]) expect(windowed(path, chunk)).toEqual(whole);
    });
  }

  it("an error names the same line as the whole-text parser", () => {
    const path = join(dir, "bad.reg");
    writeFileSync(path, sample("\r\n").replace('"d17"=dword:00000011', '"d17"=dword:xyz'));
    const line = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof RegFileError) return `${e.code}:${e.line}`;
        throw e;
      }
      return "no error";
    };
    const want = line(() => parseRegFile(new Uint8Array(Buffer.from(sample("\r\n").replace('"d17"=dword:00000011', '"d17"=dword:xyz'))), path));
    expect(want).toMatch(/^[a-z-]+:\d+$/);
    for (const chunk of [5, 100, 1 << 20]) expect(line(() => windowed(path, chunk))).toBe(want);
  });
});
