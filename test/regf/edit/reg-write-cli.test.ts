import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../../src/cli/output.js";
import { valueBytes } from "../../../src/cli/commands/reg-write.js";
import { Hive } from "../../../src/regf/hive.js";
import { RegType } from "../../../src/regf/value-types.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

const read = (path: string) => new Hive(new Uint8Array(readFileSync(path)));

describe("p2vfix reg new/set/delete/import/compact/check", () => {
  it("edits a hive file through a checked temporary file, keeping a backup", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-regw-"));
    const hive = join(dir, "SYSTEM");
    expect((await run("reg", "new", hive, "--root", "SYS")).code).toBe(0);
    expect((await run("reg", "new", hive)).code).toBe(4);
    expect((await run("reg", "set", hive, "Select", "Current", "--type", "dword", "1")).code).toBe(0);
    expect((await run("reg", "set", hive, "ControlSet001\\Services\\svc", "ImagePath", "-t", "REG_EXPAND_SZ", "%SystemRoot%\\a.sys")).code).toBe(0);
    expect((await run("reg", "set", hive, "ControlSet001\\Services\\svc", "Deps", "-t", "multi_sz", "Tcpip", "Afd")).code).toBe(0);
    expect((await run("reg", "set", hive, "ControlSet001\\Services\\svc", "@", "-t", "sz", "default text")).code).toBe(0);
    expect((await run("reg", "set", hive, "ControlSet001\\Services\\svc", "Q", "-t", "qword", "0x100000000")).code).toBe(0);
    expect((await run("reg", "set", hive, "ControlSet001\\Services\\svc", "B", "-t", "binary", "01,02,ff", "--no-backup")).code).toBe(0);
    let h = read(hive);
    const svc = h.key("ControlSet001\\Services\\svc")!;
    expect(svc.value("ImagePath")!.string()).toBe("%SystemRoot%\\a.sys");
    expect(svc.value("Deps")!.multiString()).toEqual(["Tcpip", "Afd"]);
    expect(svc.value("")!.string()).toBe("default text");
    expect(svc.value("Q")!.qword()).toBe(0x100000000n);
    expect([...svc.value("B")!.data()]).toEqual([1, 2, 255]);
    // The backup is the state before the last backed-up write.
    expect(read(`${hive}.bak`).key("ControlSet001\\Services\\svc")!.value("B")).toBeUndefined();

    const regFile = join(dir, "fix.reg");
    writeFileSync(regFile, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\svc]\r\n\"Start\"=dword:00000002\r\n\"B\"=-\r\n", "utf16le")]));
    const imported = await run("reg", "import", hive, regFile, "--prefix", "HKLM\\SYSTEM", "--json");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ action: "imported", valuesSet: 1, valuesDeleted: 1, currentControlSet: "ControlSet001" });
    expect((await run("reg", "delete", hive, "ControlSet001\\Services\\svc", "Q")).code).toBe(0);
    expect((await run("reg", "delete", hive, "ControlSet001\\Services\\svc", "nope")).code).toBe(6);
    h = read(hive);
    expect(h.key("ControlSet001\\Services\\svc")!.value("Start")!.dword()).toBe(2);
    expect(h.key("ControlSet001\\Services\\svc")!.value("Q")).toBeUndefined();

    const out = join(dir, "compact");
    expect((await run("reg", "compact", hive, "-o", out)).code).toBe(0);
    const check = await run("reg", "check", out, "--json");
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect((await run("reg", "delete", hive, "ControlSet001")).code).toBe(0);
    expect(read(hive).key("ControlSet001")).toBeUndefined();
    // No temporary files are left behind.
    expect(readdirSync(dir).sort()).toEqual(["SYSTEM", "SYSTEM.bak", "compact", "fix.reg"]);
  });

  it("fails cleanly: bad values, bad .reg lines, a damaged hive, a dirty one without logs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-regw-"));
    const hive = join(dir, "h");
    await run("reg", "new", hive);
    const before = readFileSync(hive);
    expect((await run("reg", "set", hive, "K", "v", "-t", "dword", "4294967296")).code).toBe(2);
    expect((await run("reg", "set", hive, "K", "v", "-t", "bogus", "1")).code).toBe(2);
    expect((await run("reg", "set", hive, "K", "v", "-t", "binary", "zz")).code).toBe(2);
    writeFileSync(join(dir, "bad.reg"), "REGEDIT4\n\n[\\A]\n\"v\"=dword:xyz\n");
    const bad = await run("reg", "import", hive, join(dir, "bad.reg"));
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/bad\.reg:4/);
    expect(readFileSync(hive).equals(before)).toBe(true);
    expect(existsSync(`${hive}.bak`)).toBe(false);

    const damaged = Buffer.from(before);
    damaged.writeUInt32LE(7, 4); // sequence numbers differ: dirty, and no logs beside it
    damaged.writeUInt32LE(0, 508);
    writeFileSync(hive, damaged);
    const refused = await run("reg", "set", hive, "K", "v", "-t", "sz", "x");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/unrecoverable-dirty-hive|unsound-base-block/);
    const check = await run("reg", "check", hive);
    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(/error dirty/);
  });

  it("turns command-line values into exact bytes", () => {
    expect([...valueBytes(RegType.DWORD, ["0x12345678"])]).toEqual([0x78, 0x56, 0x34, 0x12]);
    expect([...valueBytes(RegType.DWORD_BIG_ENDIAN, ["1"])]).toEqual([0, 0, 0, 1]);
    expect([...valueBytes(RegType.SZ, ["A"])]).toEqual([0x41, 0, 0, 0]);
    expect([...valueBytes(RegType.MULTI_SZ, ["a", "b"])]).toEqual([0x61, 0, 0, 0, 0x62, 0, 0, 0, 0, 0]);
    expect([...valueBytes(RegType.NONE, [])]).toEqual([]);
    expect([...valueBytes(0x1f4, ["de ad"])]).toEqual([0xde, 0xad]);
    expect(() => valueBytes(RegType.MULTI_SZ, ["a", ""])).toThrow(/cannot be empty/);
    expect(() => valueBytes(RegType.SZ, ["a", "b"])).toThrow(/exactly one VALUE/);
  });
});
