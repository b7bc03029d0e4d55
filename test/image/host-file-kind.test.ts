import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostFileKind } from "../../src/image/host-file-kind.js";
import { createHive } from "../../src/regf/edit/new-hive.js";
import { regExportBytes } from "../../src/regf/export/reg-export.js";
import { Hive } from "../../src/regf/hive.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-kind-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("hostFileKind", () => {
  const hive = createHive("ROOT").serialize();

  it("tells a hive, a .reg export in either encoding, and anything else apart", () => {
    expect(hostFileKind(file("SYSTEM", hive))).toBe("hive");
    const utf16 = Buffer.concat([...regExportBytes(new Hive(hive).root(), { prefix: "HKEY_LOCAL_MACHINE\\SYSTEM" })]);
    expect([utf16[0], utf16[1]]).toEqual([0xff, 0xfe]);
    expect(hostFileKind(file("system.reg", utf16))).toBe("reg-export");
    expect(hostFileKind(file("old.reg", "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"))).toBe("reg-export");
    expect(hostFileKind(file("bom8.reg", "\uFEFFWindows Registry Editor Version 5.00\r\n"))).toBe("reg-export");
    expect(hostFileKind(file("disk.raw", new Uint8Array(4096)))).toBe("other");
    expect(hostFileKind(file("empty", new Uint8Array(0)))).toBe("other");
    expect(hostFileKind(file("short", "reg"))).toBe("other");
    expect(hostFileKind(file("notes.txt", "Windows 2019 notes: REGEDIT4 is old\n"))).toBe("other");
  });

  it("lets a missing file's error through (callers report it as not found)", () => {
    expect(() => hostFileKind(join(dir, "missing"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });
});
