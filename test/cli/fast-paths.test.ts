/**
 * The fast `cat` and `reg export` paths (src/cli/fast-cat.ts, fast-export.ts) that bin/p2vfix.js
 * runs before main(): they must take only the command lines they can run as main() does, and
 * then give main()'s bytes, messages and exit codes. Each is compared with main() run in this
 * process on the same fixture (an NTFS volume; the image fixture's SYSTEM hive).
 */
import { closeSync, copyFileSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fastCat, plainCatArguments } from "../../src/cli/fast-cat.js";
import { fastExport, plainExportArguments } from "../../src/cli/fast-export.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { fixtureFile } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-fast-paths-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function viaMain(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, bytes: out.bytes(), stderr: out.stderr() };
}

/** Runs a fast path with its bytes going to a temp file and its messages collected. */
function viaFast(run: (argv: string[], streams: { out: number; err: (t: string) => void }) => number | undefined, ...argv: string[]) {
  const path = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(path, "w");
  let stderr = "";
  let code: number | undefined;
  try {
    code = run(argv, { out: fd, err: (t) => void (stderr += t) });
  } finally {
    closeSync(fd);
  }
  return { code, bytes: new Uint8Array(readFileSync(path)), stderr };
}

describe("fast cat", () => {
  const ntfs = fixtureFile("ntfs/windows.ntfs");

  it("takes plain command lines only", () => {
    expect(plainCatArguments(["cat", "a.img:x"])).toEqual({ spec: "a.img:x" });
    expect(plainCatArguments(["cat", "--partition", "2", "a.img:x"])).toEqual({ spec: "a.img:x", partition: 2 });
    expect(plainCatArguments(["cat", "a.img:x", "--partition=0"])).toEqual({ spec: "a.img:x", partition: 0 });
    for (const argv of [
      ["cat"],
      ["ls", "a.img"],
      ["cat", "a.img:x", "b.img:y"],
      ["cat", "a.img:x", "--help"],
      ["cat", "a.img:x", "--debug"],
      ["cat", "a.img:x", "--json"],
      ["cat", "a.img:x", "--partition"],
      ["cat", "a.img:x", "--partition", "two"],
      ["cat", "a.img:x", "--partition", "-1"],
      ["cat", "a.img:x", "--partition", "1", "--partition", "2"],
    ]) {
      expect(plainCatArguments(argv), argv.join(" ")).toBeUndefined();
    }
    expect(fastCat(["cat", "--help"])).toBeUndefined();
  });

  it("writes the bytes main() writes", async () => {
    for (const spec of [`${ntfs}:Windows/System32/config/SOFTWARE`, `${ntfs}:Windows/System32/config/SYSTEM.LOG1`]) {
      const fast = viaFast(fastCat, "cat", spec);
      const slow = await viaMain("cat", spec);
      expect(fast.code).toBe(0);
      expect(slow.code).toBe(0);
      expect(fast.bytes.length).toBeGreaterThan(0);
      expect(Buffer.compare(fast.bytes, slow.bytes)).toBe(0);
    }
  });

  it("fails as main() does: missing file, a folder, no path, a partition that is not there", async () => {
    for (const argv of [
      ["cat", `${ntfs}:Windows/nope.txt`],
      ["cat", `${ntfs}:Windows`],
      ["cat", ntfs],
      ["cat", `${ntfs}:Windows/System32/config/SOFTWARE`, "--partition", "3"],
      ["cat", join(dir, "no-such.img:x")],
    ]) {
      const fast = viaFast(fastCat, ...argv);
      const slow = await viaMain(...argv);
      expect(slow.code, argv.join(" ")).not.toBe(0);
      expect({ code: fast.code, stderr: fast.stderr, bytes: fast.bytes.length }).toEqual({ code: slow.code, stderr: slow.stderr, bytes: 0 });
    }
  });
});

describe("fast reg export", () => {
  // A lower-case name: the default prefix is HKEY_LOCAL_MACHINE\\ then the name in upper case.
  const hive = join(dir, "system.hiv");
  copyFileSync(fixtureFile("image/SYSTEM"), hive);
  const notHive = join(dir, "plain.txt");
  writeFileSync(notHive, "not a hive\n");

  it("takes plain command lines on a hive file only", () => {
    expect(plainExportArguments(["reg", "export", hive])).toEqual({ hive, key: "", encoding: "utf16", logs: true });
    expect(plainExportArguments(["reg", "export", hive, "Select", "-o", "x.reg", "--encoding=utf8", "--prefix", "HKLM\\S", "--no-logs"])).toEqual({
      hive,
      key: "Select",
      output: "x.reg",
      encoding: "utf8",
      prefix: "HKLM\\S",
      logs: false,
    });
    for (const argv of [
      ["reg", "export"],
      ["reg", "ls", hive],
      ["reg", "export", notHive],
      ["reg", "export", `${hive}:SYSTEM`],
      ["reg", "export", hive, "--json"],
      ["reg", "export", hive, "--partition", "1"],
      ["reg", "export", hive, "--encoding", "utf32"],
      ["reg", "export", hive, "-o"],
      ["reg", "export", hive, "-o", "a", "--output", "b"],
      ["reg", "export", hive, "A", "B"],
      ["reg", "export", hive, "--debug"],
    ]) {
      expect(plainExportArguments(argv), argv.join(" ")).toBeUndefined();
    }
  });

  it("writes the bytes main() writes, to standard output and to a file, in both encodings", async () => {
    for (const extra of [[], ["--encoding", "utf8"], ["ControlSet001\\Services", "--prefix", "HKEY_LOCAL_MACHINE\\X"]]) {
      const fast = viaFast(fastExport, "reg", "export", hive, ...extra);
      const slow = await viaMain("reg", "export", hive, ...extra);
      expect(fast.code).toBe(0);
      expect(slow.code).toBe(0);
      expect(fast.bytes.length).toBeGreaterThan(1000);
      expect(Buffer.compare(fast.bytes, slow.bytes)).toBe(0);
    }
    const a = join(dir, "fast.reg");
    const b = join(dir, "main.reg");
    expect(viaFast(fastExport, "reg", "export", hive, "-o", a).code).toBe(0);
    expect((await viaMain("reg", "export", hive, "--output", b)).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it("fails as main() does: a key that is not there", async () => {
    const fast = viaFast(fastExport, "reg", "export", hive, "No\\Such\\Key");
    const slow = await viaMain("reg", "export", hive, "No\\Such\\Key");
    expect(slow.code).not.toBe(0);
    expect({ code: fast.code, stderr: fast.stderr, bytes: fast.bytes.length }).toEqual({ code: slow.code, stderr: slow.stderr, bytes: 0 });
  });

  it("-o never writes through a symbolic link planted at the output name, on either path", async () => {
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "keep me");
    const link = join(dir, "planted.reg");
    symlinkSync(victim, link);
    const fast = viaFast(fastExport, "reg", "export", hive, "-o", link);
    const slow = await viaMain("reg", "export", hive, "-o", link);
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toMatch(/symlink-target/);
    expect({ code: fast.code, stderr: fast.stderr }).toEqual({ code: slow.code, stderr: slow.stderr });
    expect(readFileSync(victim, "utf8")).toBe("keep me");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});
