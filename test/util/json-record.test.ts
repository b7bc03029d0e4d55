import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RefusedError } from "../../src/errors.js";
import { readJsonRecord } from "../../src/util/json-record.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-json-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = z.object({ state: z.enum(["applying", "done"]), undoFile: z.string() }).strict();
const read = (path: string) => readJsonRecord(path, { schema, maxBytes: 256, what: "a test record", refuse: (message, cause) => new RefusedError("bad-record", message, { path, cause }) });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
function refusal(path: string): RefusedError {
  try {
    read(path);
  } catch (err) {
    return err as RefusedError;
  }
  throw new Error(`${path} was read`);
}

describe("readJsonRecord", () => {
  it("reads a record of its schema", () => {
    expect(read(file("good.json", '{"state":"done","undoFile":"x.p2vfix-undo"}'))).toEqual({ state: "done", undoFile: "x.p2vfix-undo" });
  });

  it("refuses a link (never followed), an oversized file, bad JSON and another shape, each with the caller's error", () => {
    const target = file("target.json", '{"state":"done","undoFile":"x"}');
    const link = join(dir, "link.json");
    symlinkSync(target, link);
    expect(refusal(link).message).toMatch(/is not a test record \(not a regular file\)$/);
    expect(refusal(file("big.json", `{"state":"done","undoFile":"${"x".repeat(300)}"}`)).message).toMatch(/is not a test record \(3\d\d bytes\)$/);
    const badJson = refusal(file("bad.json", '{"state":'));
    expect(badJson.message).toMatch(/is not valid JSON: /);
    expect(badJson.cause).toBeInstanceOf(SyntaxError);
    expect(refusal(file("shape.json", '{"state":"gone","undoFile":"x"}')).message).toMatch(/is not a test record: /);
    expect(refusal(file("extra.json", '{"state":"done","undoFile":"x","path":"/etc/shadow"}'))).toBeInstanceOf(RefusedError);
  });
});
