import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RegFileError } from "../../../src/errors.js";
import { decodeRegFileBytes, parseRegFile } from "../../../src/regf/import/reg-file.js";

const utf16bom = (text: string) => new Uint8Array([0xff, 0xfe, ...Buffer.from(text, "utf16le")]);

const sample = [
  "Windows Registry Editor Version 5.00",
  "",
  "; a comment",
  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Tcpip\\Parameters]",
  '"Hostname"="SRV-01"',
  '@="default \\"quoted\\" C:\\\\path"',
  '"EnableDHCP"=dword:00000000',
  '"IPAddress"=hex(7):31,00,30,00,2e,00,30,00,00,00,00,00',
  '"Blob"=hex:00,01,02,\\',
  "  03,04",
  '"Odd"=hex(100):ab',
  '"Gone"=-',
  "",
  "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Hewlett-Packard]",
  "",
].join("\r\n");

describe(".reg parser", () => {
  it("parses regedit v5 text into operations, with line numbers", () => {
    const { version, ops } = parseRegFile(utf16bom(sample));
    expect(version).toBe(5);
    const key = "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Tcpip\\Parameters";
    expect(ops.map((o) => o.kind)).toEqual(["key", "value", "value", "value", "value", "value", "value", "delete-value", "delete-key"]);
    expect(ops[0]).toEqual({ kind: "key", path: key, line: 4 });
    expect(ops[1]).toMatchObject({ name: "Hostname", type: 1, data: new Uint8Array(Buffer.from("SRV-01\0", "utf16le")), line: 5 });
    expect(ops[2]).toMatchObject({ name: "", type: 1, data: new Uint8Array(Buffer.from('default "quoted" C:\\path\0', "utf16le")) });
    expect(ops[3]).toMatchObject({ name: "EnableDHCP", type: 4, data: new Uint8Array([0, 0, 0, 0]) });
    expect(ops[4]).toMatchObject({ type: 7, data: new Uint8Array(Buffer.from("10.0\0\0", "utf16le")) });
    expect(ops[5]).toMatchObject({ name: "Blob", type: 3, data: new Uint8Array([0, 1, 2, 3, 4]), line: 9 });
    expect(ops[6]).toMatchObject({ name: "Odd", type: 0x100, data: new Uint8Array([0xab]) });
    expect(ops[7]).toEqual({ kind: "delete-value", keyPath: key, name: "Gone", line: 12 });
    expect(ops[8]).toEqual({ kind: "delete-key", path: "HKEY_LOCAL_MACHINE\\SOFTWARE\\Hewlett-Packard", line: 14 });
  });

  it("reads UTF-8 with LF, and REGEDIT4 with ANSI string types widened to UTF-16", () => {
    const v5 = parseRegFile(new TextEncoder().encode(sample.replaceAll("\r\n", "\n")));
    expect(v5.ops).toHaveLength(9);
    const v4 = parseRegFile(["REGEDIT4", "", "[HKEY_LOCAL_MACHINE\\X]", '"P"=hex(2):25,53,25,00'].join("\r\n"));
    expect(v4.version).toBe(4);
    expect(v4.ops[1]).toMatchObject({ type: 2, data: new Uint8Array(Buffer.from("%S%\0", "utf16le")) });
  });

  it("names the line of each error", () => {
    const bad = (body: string) => {
      try {
        parseRegFile(`Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\K]\n${body}\n`);
      } catch (err) {
        expect(err).toBeInstanceOf(RegFileError);
        return [(err as RegFileError).code, (err as RegFileError).line];
      }
      throw new Error("expected an error");
    };
    expect(bad('"a"=dword:123456789')).toEqual(["bad-dword", 4]);
    expect(bad('"a"=hex:0g')).toEqual(["bad-hex", 4]);
    expect(bad('"a"="unterminated')).toEqual(["unterminated-string", 4]);
    expect(bad('"a"=wat')).toEqual(["bad-value-data", 4]);
    expect(bad("junk")).toEqual(["bad-value-line", 4]);
    expect(() => parseRegFile("hello\n")).toThrow(RegFileError);
    expect(() => parseRegFile('Windows Registry Editor Version 5.00\n"a"="b"\n')).toThrow(/before any \[KEY\]/);
  });

  it("never throws anything but RegFileError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 200 }), (text, bytes) => {
        for (const input of [`Windows Registry Editor Version 5.00\n${text}`, bytes]) {
          try {
            parseRegFile(input);
          } catch (err) {
            expect(err).toBeInstanceOf(RegFileError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
  it("parses a continued hex value exactly as the same line joined (any split, spacing, line ends)", () => {
    const hexItem = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).padStart(2, "0"));
    fc.assert(
      fc.property(
        fc.array(hexItem, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom("\r\n", "\n", "\r"),
        fc.constantFrom("", " ", "  ", "\t"),
        fc.constantFrom("hex:", "hex(7):", "hex(0):", "hex(ffff0001):"),
        fc.boolean(),
        (items, cuts, eol, indent, prefix, v4) => {
          const list = items.join(",");
          const splits = [...new Set(cuts.map((c) => (list.length === 0 ? 0 : c % list.length)))].sort((a, b) => a - b);
          // regedit breaks after a comma; here also inside items: the joined text is what counts.
          let continued = "";
          let from = 0;
          for (const at of splits) {
            continued += list.slice(from, at) + "\\" + eol + indent;
            from = at;
          }
          continued += list.slice(from);
          const head = (v4 ? "REGEDIT4" : "Windows Registry Editor Version 5.00") + eol + "[K]" + eol;
          const one = parseRegFile(head + `"v"=${prefix}${list}` + eol);
          const many = parseRegFile(head + `"v"=${prefix}${continued}` + eol);
          expect(many.ops.map((o) => ({ ...o, line: 0 }))).toEqual(one.ops.map((o) => ({ ...o, line: 0 })));
          const value = many.ops[1];
          expect(value.kind).toBe("value");
          if (value.kind === "value" && !(v4 && prefix === "hex(7):")) expect([...value.data]).toEqual(items.map((h) => parseInt(h, 16)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps line numbers across continued lines, CR-only line ends and a last line without an end", () => {
    const r = parseRegFile('REGEDIT4\r[K]\r"a"=hex:01,\\\r  02,\\\r  03\r"b"=dword:00000001');
    expect(r.ops.map((o) => o.line)).toEqual([2, 3, 6]);
    expect(r.ops[1].kind === "value" && [...r.ops[1].data]).toEqual([1, 2, 3]);
  });
  it("decodes UTF-16 exactly as TextDecoder does, lone surrogates and odd lengths included", () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd7f0, max: 0xe010 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.boolean(), (units, odd) => {
        const body = new Uint8Array(units.length * 2 + (odd ? 1 : 0));
        units.forEach((u, i) => {
          body[2 * i] = u & 0xff;
          body[2 * i + 1] = u >> 8;
        });
        if (odd) body[body.length - 1] = 0x41;
        expect(decodeRegFileBytes(Uint8Array.from([0xff, 0xfe, ...body]))).toBe(new TextDecoder("utf-16le").decode(body));
      }),
      { numRuns: 500 },
    );
  });
});
