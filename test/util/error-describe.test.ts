/**
 * How a typed error reads on stderr (`p2vfix: CODE: MESSAGE (WHERE)`): the path is named once,
 * after the message unless the message already names it; a line or an offset always shows.
 */
import { describe, expect, it } from "vitest";
import { FsError, RegfError } from "../../src/errors.js";

describe("P2vfixError.describe", () => {
  it("names the path after the message when the message does not", () => {
    expect(new RegfError("bad-hive", "not a registry hive", { path: "/tmp/x.hiv" }).describe()).toBe("bad-hive: not a registry hive (/tmp/x.hiv)");
  });

  it("names the path once when the message starts with it", () => {
    expect(new FsError("exists", '/mk.mjs: "mk.mjs" already exists', { path: "/mk.mjs" }).describe()).toBe('exists: /mk.mjs: "mk.mjs" already exists');
  });

  it("keeps a line number and an offset", () => {
    expect(new RegfError("bad-line", "/tmp/a.reg is not a .reg file", { path: "/tmp/a.reg", line: 3 }).describe()).toBe("bad-line: /tmp/a.reg is not a .reg file (/tmp/a.reg:3)");
    expect(new RegfError("bad-cell", "/h: cell size 0", { path: "/h", offset: 0x1020 }).describe()).toBe("bad-cell: /h: cell size 0 (offset 0x1020)");
  });
});
