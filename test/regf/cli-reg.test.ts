/** `p2vfix reg ...` run in process on corpus hives. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { corpusFile, corpusFolder, corpusPath, hasCorpus } from "../helpers/corpus.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr(), bytes: out.bytes() };
}

describe.skipIf(!hasCorpus())("p2vfix reg", () => {
  it("info --json: header, counts, clean state", async () => {
    const r = await run("reg", "info", corpusPath("hives/nt-hive/testhive"), "--json");
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ version: "1.5", dirty: false, keys: 528, values: 12, rootName: "ROOT" });
    expect(info.hiveBinsDataSize).toMatchObject({ baseBlock: 155648, used: 155648, source: "base-block" });
  });

  it("info on a dirty hive: says why, and --no-logs says the view may be stale", async () => {
    const dir = await corpusFolder("hives/DFIRArtifactMuseum/Win10_RathbunVM");
    const withLogs = JSON.parse((await run("reg", "info", join(dir, "SECURITY"), "--json")).stdout);
    expect(withLogs.dirtyReasons[0]).toMatch(/sequence numbers differ/);
    const noLogs = await run("reg", "info", join(dir, "SECURITY"), "--no-logs");
    expect(noLogs.code).toBe(0);
    expect(noLogs.stdout).toMatch(/DIRTY/);
    expect(noLogs.stdout).toMatch(/--no-logs was given: the view may be stale/);
  });

  it("ls and get, case-insensitive, with JSON", async () => {
    const hive = corpusPath("hives/nt-hive/testhive");
    const ls = await run("reg", "ls", hive);
    expect(ls.stdout.split("\n")).toContain("data-test\\");
    const get = await run("reg", "get", hive, "DATA-TEST", "DWORD");
    expect(get.stdout).toBe("REG_DWORD  0x0000002a (42)\n");
    const json = JSON.parse((await run("reg", "get", hive, "data-test", "reg-multi-sz", "--json")).stdout);
    expect(json).toMatchObject({ type: 7, data: ["multi-sz-test", "line2"] });
    const lsJson = JSON.parse((await run("reg", "ls", hive, "big-data-test", "--json")).stdout);
    expect(lsJson.values.map((v: { size: number }) => v.size)).toEqual([16343, 16344, 16345]);
  });

  it("missing key, value or file: exit 6; not a hive: exit 3 with the code", async () => {
    const hive = corpusPath("hives/nt-hive/testhive");
    expect((await run("reg", "ls", hive, "no\\such")).code).toBe(6);
    expect((await run("reg", "get", hive, "data-test", "nope")).code).toBe(6);
    expect((await run("reg", "info", "/nonexistent/hive")).code).toBe(6);
    const bad = await run("reg", "info", corpusPath("hives/EricZimmerman-Registry/NotAHive"));
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/not-a-hive/);
    // --json: the comparison as data, not only in the message.
    const badJson = JSON.parse((await run("reg", "info", corpusPath("hives/EricZimmerman-Registry/NotAHive"), "--json")).stderr);
    expect(badJson.error).toMatchObject({ code: "not-a-hive", exitCode: 3, expected: "regf" });
    expect(typeof badJson.error.actual).toBe("string");
    expect(badJson.error.actual).not.toBe("regf");
    expect((await run("reg", "export", hive, "--encoding", "latin9")).code).toBe(2);
  });

  it("export: UTF-16LE with BOM by default, default prefix from the file name, -o FILE", async () => {
    const hive = await corpusFile("hives/yarp/MultiSzHive");
    const r = await run("reg", "export", hive);
    expect([...r.bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = Buffer.from(r.bytes.subarray(2)).toString("utf16le");
    expect(text).toContain("[HKEY_LOCAL_MACHINE\\MULTISZHIVE\\key]\r\n");
    const out = join(mkdtempSync(join(tmpdir(), "p2vfix-reg-")), "out.reg");
    expect((await run("reg", "export", hive, "key", "-o", out, "--encoding", "utf8", "--prefix", "HKEY_USERS\\X")).code).toBe(0);
    const ops = parseRegFile(readFileSync(out)).ops;
    expect(ops[0]).toMatchObject({ kind: "key", path: "HKEY_USERS\\X\\key" });
    expect(ops.filter((o) => o.kind === "value")).toHaveLength(2);
    const json = JSON.parse((await run("reg", "export", hive, "--json")).stdout);
    expect(json.keys.map((k: { path: string }) => k.path)).toEqual(["", "key"]);
  });

  it("export of several MiB: stdout (chunks of one reused buffer) holds the same bytes as -o FILE", async () => {
    const hive = await corpusFile("hives/plaso/UsrClass.dat");
    const out = join(mkdtempSync(join(tmpdir(), "p2vfix-reg-")), "big.reg");
    expect((await run("reg", "export", hive, "-o", out)).code).toBe(0);
    const file = readFileSync(out);
    expect(file.length).toBeGreaterThan(3 << 20); // more than one chunk
    const piped = await run("reg", "export", hive);
    expect(Buffer.from(piped.bytes).equals(file)).toBe(true);
  });
});
