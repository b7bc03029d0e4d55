/** The compiled-copy check: a copy is used only for the very bytes and validator it was made from. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { compileData, compiledValue, dataFileValue, readCompiledData, sha256Hex } from "../../src/util/compiled-data.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-compiled-data-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bytes = (s: string) => Buffer.from(s, "utf8");

describe("compiled data", () => {
  it("sha256Hex is the SHA-256 of the bytes", () => {
    expect(sha256Hex(bytes("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("gives the value only for the same bytes and the same validator", () => {
    const compiled = compileData("v1", [{ file: "a.yaml", bytes: bytes("x: 1\n"), value: { x: 1 } }]);
    expect(compiledValue(compiled, "v1", "a.yaml", bytes("x: 1\n"))).toEqual({ value: { x: 1 } });
    expect(compiledValue(compiled, "v1", "a.yaml", bytes("x: 1 \n"))).toBeUndefined();
    expect(compiledValue(compiled, "v2", "a.yaml", bytes("x: 1\n"))).toBeUndefined();
    expect(compiledValue(compiled, undefined, "a.yaml", bytes("x: 1\n"))).toBeUndefined();
    expect(compiledValue(compiled, "v1", "b.yaml", bytes("x: 1\n"))).toBeUndefined();
    expect(compiledValue(compiled, "v1", "__proto__", bytes("x: 1\n"))).toBeUndefined();
    expect(compiledValue(undefined, "v1", "a.yaml", bytes("x: 1\n"))).toBeUndefined();
  });

  it("dataFileValue validates the text when the copy does not match, and not when it does", () => {
    const compiled = compileData("v1", [{ file: "a.yaml", bytes: bytes("x: 1\n"), value: { from: "copy" } }]);
    const validate = (text: string) => ({ from: "validator", text });
    expect(dataFileValue(compiled, "v1", "a.yaml", bytes("x: 1\n"), validate)).toEqual({ from: "copy" });
    expect(dataFileValue(compiled, "v1", "a.yaml", bytes("x: 2\n"), validate)).toEqual({ from: "validator", text: "x: 2\n" });
  });

  it("property: a copy matches exactly the bytes it was made from", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const compiled = compileData("v", [{ file: "f", bytes: a, value: 1 }]);
        const hit = compiledValue(compiled, "v", "f", b) !== undefined;
        return hit === Buffer.from(a).equals(Buffer.from(b));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a value JSON would not give back unchanged", () => {
    const b = bytes("");
    expect(() => compileData("v", [{ file: "nan.yaml", bytes: b, value: { n: NaN } }])).toThrow(/nan\.yaml.*JSON/);
    expect(() => compileData("v", [{ file: "u.yaml", bytes: b, value: { a: undefined } }])).toThrow(/u\.yaml/);
    expect(() => compileData("v", [{ file: "z.yaml", bytes: b, value: -0 }])).toThrow(/z\.yaml/);
    expect(() => compileData("v", [{ file: "d.yaml", bytes: b, value: new Date(0) }])).toThrow(/d\.yaml/);
    expect(compileData("v", [{ file: "ok.yaml", bytes: b, value: { a: [1, "x", null, true, { b: 2 }] } }]).files["ok.yaml"].value).toEqual({ a: [1, "x", null, true, { b: 2 }] });
  });

  it("reads back what it wrote; a missing, damaged or foreign copy reads as none", () => {
    const compiled = compileData("v1", [{ file: "a.yaml", bytes: bytes("x"), value: { x: [1, 2] } }]);
    const path = join(work, "copy.json");
    writeFileSync(path, JSON.stringify(compiled));
    expect(readCompiledData(path)).toStrictEqual(compiled);
    expect(readCompiledData(join(work, "absent.json"))).toBeUndefined();
    for (const text of ["", "{", "null", "[]", "42", JSON.stringify({ ...compiled, format: 2 }), JSON.stringify({ ...compiled, files: [] }), JSON.stringify({ format: 1, files: {} })]) {
      writeFileSync(path, text);
      expect(readCompiledData(path), text).toBeUndefined();
    }
  });

  it("an entry without a hash or value in a copy is not used", () => {
    const compiled = { format: 1 as const, validatorSha256: "v", files: { a: { sha256: sha256Hex(bytes("x")) } } } as never;
    expect(compiledValue(compiled, "v", "a", bytes("x"))).toBeUndefined();
  });
});
