import { describe, expect, it } from "vitest";
import { checkHive } from "../../../src/regf/check/check-hive.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { exportReg } from "../../../src/regf/export/reg-export.js";
import { Hive } from "../../../src/regf/hive.js";
import { applyRegFile } from "../../../src/regf/import/apply.js";
import { parseRegFile } from "../../../src/regf/import/reg-file.js";
import { RegType } from "../../../src/regf/value-types.js";

const reg = (lines: string[]) => parseRegFile(["Windows Registry Editor Version 5.00", "", ...lines, ""].join("\r\n"));

function systemLike() {
  const e = createHive("SYSTEM");
  e.createKey("Select");
  e.setValue("Select", "Current", RegType.DWORD, Uint8Array.from([2, 0, 0, 0]));
  e.setValue("Select", "Default", RegType.DWORD, Uint8Array.from([1, 0, 0, 0]));
  e.createKey("ControlSet001\\Services");
  e.createKey("ControlSet002\\Services\\Old\\Sub");
  return e;
}

describe("applyRegFile", () => {
  it("creates missing parents, maps the prefix and CurrentControlSet, deletes keys and values", () => {
    const e = systemLike();
    e.setValue("ControlSet002\\Services", "gone", RegType.DWORD, Uint8Array.from([1, 0, 0, 0]));
    const r = applyRegFile(
      e,
      reg([
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\New\\Parameters]",
        '"Path"="C:\\\\x"',
        '@="default"',
        '"Start"=dword:00000004',
        '"Multi"=hex(7):61,00,00,00,00,00',
        "",
        "[-HKLM\\SYSTEM\\CurrentControlSet\\Services\\Old]",
        "[-HKLM\\SYSTEM\\CurrentControlSet\\Services\\NotThere]",
        "[HKLM\\SYSTEM\\CurrentControlSet\\Services]",
        '"gone"=-',
        '"never"=-',
      ]),
      { prefix: "HKEY_LOCAL_MACHINE\\SYSTEM" },
    );
    expect(r).toEqual({ keysCreated: 2, keysDeleted: 1, valuesSet: 4, valuesDeleted: 1, currentControlSet: "ControlSet002" });
    const hive = new Hive(e.serialize());
    expect(checkHive(hive.bytes).ok).toBe(true);
    const p = hive.key("ControlSet002\\Services\\New\\Parameters")!;
    expect(p.value("Path")!.string()).toBe("C:\\x");
    expect(p.value("")!.string()).toBe("default");
    expect(p.value("Start")!.dword()).toBe(4);
    expect(p.value("Multi")!.multiString()).toEqual(["a"]);
    expect(hive.key("ControlSet002\\Services\\Old")).toBeUndefined();
    expect(hive.key("ControlSet002\\Services")!.value("gone")).toBeUndefined();
    expect(hive.key("CurrentControlSet")).toBeUndefined();
  });

  it("keys in any order: a parent off the current branch, a key met again later, a sibling's child", () => {
    const e = createHive("SOFTWARE");
    const r = applyRegFile(
      e,
      reg([
        "[HKLM\\SOFTWARE\\A\\B]",
        '"v"=dword:00000001',
        "[HKLM\\SOFTWARE\\C]",
        "[HKLM\\SOFTWARE\\A\\B\\D]", // its parent is no longer on the branch
        "[HKLM\\SOFTWARE\\A\\B]", // met again, away from where it was created
        '"w"=dword:00000002',
        "[HKLM\\SOFTWARE\\A\\BB]", // starts with A\B but is its sibling
        "[HKLM\\SOFTWARE\\A\\BB\\E]",
        "[HKLM\\SOFTWARE\\a\\b\\F]", // other case: the same keys
      ]),
      { prefix: "HKLM\\SOFTWARE" },
    );
    expect(r).toMatchObject({ keysCreated: 7, valuesSet: 2 });
    const hive = new Hive(e.serialize());
    expect(checkHive(hive.bytes).ok).toBe(true);
    expect(hive.key("A\\B")!.values().map((v) => [v.name, v.dword()])).toEqual([["v", 1], ["w", 2]]);
    expect(hive.key("A\\B")!.subkeys().map((k) => k.name)).toEqual(["D", "F"]);
    expect(hive.key("A")!.subkeys().map((k) => k.name)).toEqual(["B", "BB"]);
    expect(hive.key("A\\BB\\E")).toBeDefined();
    expect(hive.key("C")).toBeDefined();
  });

  it("falls back to Select\\Default, and keeps CurrentControlSet literal when asked", () => {
    const e = systemLike();
    e.deleteValue("Select", "Current");
    expect(applyRegFile(e, reg(["[HKLM\\SYSTEM\\CurrentControlSet\\X]"]), { prefix: "HKLM\\SYSTEM" }).currentControlSet).toBe("ControlSet001");
    applyRegFile(e, reg(["[HKLM\\SYSTEM\\CurrentControlSet\\Y]"]), { prefix: "HKLM\\SYSTEM", mapCurrentControlSet: false });
    expect(e.keyExists("CurrentControlSet\\Y")).toBe(true);
  });

  it("takes hivex-style root-relative paths without a prefix", () => {
    const e = createHive("R");
    applyRegFile(e, reg(["[\\A\\B]", '"v"=dword:00000001']));
    expect(new Hive(e.serialize()).key("A\\B")!.value("v")!.dword()).toBe(1);
  });

  it("names the line in errors", () => {
    const e = systemLike();
    const file = reg(["[HKLM\\SYSTEM\\A]", "", "[HKLM\\SOFTWARE\\B]"]);
    expect(() => applyRegFile(e, file, { prefix: "HKLM\\SYSTEM", source: "x.reg" })).toThrow(expect.objectContaining({ code: "outside-prefix", line: 5, path: "x.reg" }));
    expect(() => applyRegFile(createHive("R"), reg(["[HKLM\\SYSTEM\\A]"]))).toThrow(expect.objectContaining({ code: "needs-prefix", line: 3 }));
    expect(() => applyRegFile(createHive("R"), reg(["[HKLM\\SYSTEM\\CurrentControlSet\\A]"]), { prefix: "HKLM\\SYSTEM" })).toThrow(
      expect.objectContaining({ code: "no-current-control-set", line: 3 }),
    );
    expect(() => applyRegFile(createHive("R"), reg(["[HKLM\\SYSTEM]"]), { prefix: "HKLM\\SYSTEM" })).not.toThrow();
    expect(() => applyRegFile(createHive("R"), reg(["[-HKLM\\SYSTEM]"]), { prefix: "HKLM\\SYSTEM" })).toThrow(expect.objectContaining({ code: "cannot-delete-root", line: 3 }));
    const long = "k".repeat(300);
    expect(() => applyRegFile(createHive("R"), reg([`[\\${long}]`]))).toThrow(expect.objectContaining({ code: "bad-key-name", line: 3 }));
  });

  it("keys resolved through their parents and many-valued keys behave as single edits would", () => {
    const e = systemLike();
    const values = Array.from({ length: 40 }, (_, i) => `"v${i}"=dword:${i.toString(16).padStart(8, "0")}`);
    const r = applyRegFile(
      e,
      reg([
        "[HKLM\\SYSTEM\\CurrentControlSet\\Services\\Many]",
        ...values,
        '"V7"=dword:000000aa', // the same value, other case: replaced, not added
        "[HKLM\\SYSTEM\\CurrentControlSet\\Services\\Many\\Sub]",
        '"a"="1"',
        "[hklm\\system\\currentcontrolset\\services\\many\\SUB\\Deeper]",
        "[HKLM\\SYSTEM\\CurrentControlSet\\Services\\Many]",
        '"v3"=-',
        '"v39"=dword:000000bb',
        '"new"=dword:000000cc',
        "[-HKLM\\SYSTEM\\CurrentControlSet\\Services\\Many\\Sub]",
        "[HKLM\\SYSTEM\\CurrentControlSet\\Services\\Many\\Sub]",
        '"b"="2"',
        "[HKLM\\SYSTEM\\CurrentControlSet]",
        "[HKLM\\SYSTEM\\CurrentControlSet\\Control]",
      ]),
      { prefix: "HKLM\\SYSTEM" },
    );
    expect(r).toMatchObject({ keysCreated: 5, keysDeleted: 1, valuesSet: 45, valuesDeleted: 1, currentControlSet: "ControlSet002" });
    const hive = new Hive(e.serialize());
    expect(checkHive(hive.bytes).ok).toBe(true);
    const many = hive.key("ControlSet002\\Services\\Many")!;
    expect(many.values().map((v) => v.name).sort()).toEqual([...Array.from({ length: 40 }, (_, i) => `v${i}`).filter((n) => n !== "v3"), "new"].sort());
    expect(many.value("v7")!.dword()).toBe(0xaa);
    expect(many.value("v39")!.dword()).toBe(0xbb);
    // The deleted subtree is gone; the key made again under the same path is a new, empty one.
    const sub = hive.key("ControlSet002\\Services\\Many\\Sub")!;
    expect(sub.values().map((v) => v.name)).toEqual(["b"]);
    expect(sub.subkeys()).toEqual([]);
    // A child of the root named CurrentControlSet is still mapped (not created literally).
    expect(hive.key("CurrentControlSet")).toBeUndefined();
    expect(hive.key("ControlSet002\\Control")).toBeDefined();
  });

  it("round-trips: export a generated hive, import into a new hive, export again: identical", () => {
    const e = systemLike();
    e.setValue("ControlSet001\\Services", "bin", RegType.BINARY, Uint8Array.from({ length: 300 }, (_, i) => i & 0xff));
    e.setValue("ControlSet001\\Services", "odd", 0x1f4, Uint8Array.from([1, 2, 3]));
    e.setValue("ControlSet001\\Services", "big", RegType.BINARY, new Uint8Array(20000).fill(3));
    e.setValue("ControlSet001\\Services", "unterminated", RegType.SZ, Uint8Array.from([0x41, 0]));
    const first = exportReg(new Hive(e.serialize()).root(), { prefix: "HKEY_LOCAL_MACHINE\\SYSTEM" });
    const copy = createHive("SYSTEM");
    applyRegFile(copy, parseRegFile(first), { prefix: "HKEY_LOCAL_MACHINE\\SYSTEM", mapCurrentControlSet: false });
    const second = exportReg(new Hive(copy.serialize()).root(), { prefix: "HKEY_LOCAL_MACHINE\\SYSTEM" });
    expect(second).toBe(first);
  });
});
