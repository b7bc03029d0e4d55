import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { ExitCode } from "../../src/errors.js";
import { findFileVolume, locateWindows, openTarget, parseTargetSpec, resolveInnerPath } from "../../src/image/index.js";
import { corpusFile, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { fixtureFile } from "../helpers/fixtures.js";

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr(), bytes: out.bytes() };
}

describe("IMAGE:PATH specs", () => {
  const files = new Set(["disk.vhdx", "C:\\images\\disk.vhdx", "dir/odd:name.raw"]);
  const exists = (p: string) => files.has(p);
  it("splits at the longest existing prefix, so colons in host paths survive", () => {
    expect(parseTargetSpec("disk.vhdx", exists)).toEqual({ container: "disk.vhdx" });
    expect(parseTargetSpec("disk.vhdx:Windows/System32/config/SYSTEM", exists)).toEqual({ container: "disk.vhdx", inner: "Windows/System32/config/SYSTEM" });
    expect(parseTargetSpec("C:\\images\\disk.vhdx:SYSTEM", exists)).toEqual({ container: "C:\\images\\disk.vhdx", inner: "SYSTEM" });
    expect(parseTargetSpec("dir/odd:name.raw:a:b", exists)).toEqual({ container: "dir/odd:name.raw", inner: "a:b" });
    expect(parseTargetSpec("missing.vhdx:SYSTEM", exists)).toEqual({ container: "missing.vhdx:SYSTEM" });
  });
});

describe("Windows installations in a volume", () => {
  const ntfs = fixtureFile("ntfs/windows.ntfs");
  const manifest = new Map(
    readFileSync(fixtureFile("ntfs/windows.manifest.tsv"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t"))
      .map(([p, , h]) => [p, h] as const),
  );

  it("finds Windows\\System32\\config and its hives on a bare NTFS volume", () => {
    const target = openTarget(ntfs);
    try {
      const { installations, bcdStores } = locateWindows(target.volumes);
      expect(installations).toHaveLength(1);
      expect(installations[0].configDir).toBe("Windows/System32/config");
      expect([...installations[0].hives.keys()].sort()).toEqual(["SOFTWARE", "SYSTEM"]);
      expect(bcdStores).toEqual([]);
      const { volume, path } = resolveInnerPath(target, "system");
      expect(path).toBe("Windows/System32/config/SYSTEM");
      expect(sha256(volume.fs().readFile(path))).toBe(manifest.get("Windows/System32/config/SYSTEM"));
      expect(() => resolveInnerPath(target, "SAM")).toThrow(/no SAM hive/);
      expect(() => resolveInnerPath(target, "BCD")).toThrow(/no BCD store/);
    } finally {
      target.close();
    }
  });

  it("finds the BCD store on the EFI system partition of a GPT disk, and no Windows", () => {
    const target = openTarget(fixtureFile("partition/gpt-512.img"));
    try {
      const { installations, bcdStores } = locateWindows(target.volumes);
      expect(installations).toEqual([]);
      expect(bcdStores.map((b) => [b.volume.index, b.path, b.firmware])).toEqual([[1, "EFI/Microsoft/Boot/BCD", "uefi"]]);
      expect(() => resolveInnerPath(target, "SYSTEM")).toThrow(/no Windows installation/);
      expect(findFileVolume(target, "\\efi\\microsoft\\boot\\bcd").volume.index).toBe(1);
    } finally {
      target.close();
    }
  });

  it("cat and cp take the short names too (IMAGE:BCD)", async () => {
    const gpt = fixtureFile("partition/gpt-512.img");
    const viaShort = await run("cat", `${gpt}:BCD`);
    const viaPath = await run("cat", `${gpt}:EFI/Microsoft/Boot/BCD`);
    expect(viaShort.code).toBe(0);
    expect(viaShort.bytes.length).toBeGreaterThan(0);
    expect(viaShort.bytes).toEqual(viaPath.bytes);
  });

  it("disk info, ls, cat and cp work on it through the CLI", async () => {
    const info = await run("disk", "info", ntfs, "--json");
    expect(info.code).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(report.format).toBe("raw");
    expect(report.volumes[0]).toMatchObject({ index: 0, filesystem: "ntfs", ntfs: { dirty: false, hibernated: { active: false } } });
    expect(report.windows).toEqual([{ partition: 0, systemRoot: "Windows", configDir: "Windows/System32/config", hives: { SYSTEM: "Windows/System32/config/SYSTEM", SOFTWARE: "Windows/System32/config/SOFTWARE" } }]);

    const ls = await run("ls", `${ntfs}:windows/system32/CONFIG`);
    expect(ls.stdout.split("\n").filter(Boolean).sort()).toEqual(["SOFTWARE", "SYSTEM", "SYSTEM.LOG1"]);

    const cat = await run("cat", `${ntfs}:Windows/System32/config/SOFTWARE`);
    expect(sha256(cat.bytes)).toBe(manifest.get("Windows/System32/config/SOFTWARE"));

    const dir = mkdtempSync(join(tmpdir(), "p2vfix-cp-"));
    const cp = await run("cp", `${ntfs}:Windows/System32/config/SYSTEM`, dir);
    expect(cp.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "SYSTEM")))).toBe(manifest.get("Windows/System32/config/SYSTEM"));

    const missing = await run("cat", `${ntfs}:Windows/nope.txt`);
    expect(missing.code).toBe(ExitCode.notFound);
    expect(missing.stderr).toMatch(/Windows\/nope.txt not found/);
  });

  it("rejects a file that is no image with a typed error and exit code 3", async () => {
    const notImage = fixtureFile("ntfs/windows.manifest.tsv");
    const r = await run("disk", "info", notImage);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/^p2vfix: /);
  });
});

describe("hives inside an image through reg commands", () => {
  const demo = fixtureFile("scenarios/demo-hp-proliant.vhdx");
  it("reads IMAGE:SYSTEM and IMAGE:SOFTWARE short forms from the VHDX demo image", async () => {
    const select = await run("reg", "get", `${demo}:SYSTEM`, "Select", "Current", "--json");
    expect(select.code).toBe(0);
    expect(JSON.parse(select.stdout)).toMatchObject({ typeName: "REG_DWORD", data: 1 });
    const ls = await run("reg", "ls", `${demo}:software`, "Microsoft\\Windows NT\\CurrentVersion");
    expect(ls.stdout).toMatch(/^ProductName\s+REG_SZ/m);
    const byPath = await run("reg", "info", `${demo}:Windows/System32/config/SYSTEM`, "--json", "--partition", "1");
    expect(JSON.parse(byPath.stdout).keys).toBeGreaterThan(10);
  });

  it("says what to write when a hive argument is an image or not a hive", async () => {
    const r = await run("reg", "ls", demo);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/:SYSTEM/);
    expect((await run("reg", "ls", `${demo}:SAM`)).code).toBe(ExitCode.notFound);
    expect((await run("reg", "ls", `${demo}:SYSTEM`, "--partition", "x")).code).toBe(ExitCode.usage);
  });
});

describe("the README's demo image", () => {
  it("examples/demo-hp-proliant.qcow2 holds the same disk as the VHDX demo fixture, and inspect reads it", async () => {
    const { openImage } = await import("../../src/vdisk/index.js");
    const qcow2 = openImage(new URL("../../examples/demo-hp-proliant.qcow2", import.meta.url).pathname);
    const vhdx = openImage(fixtureFile("scenarios/demo-hp-proliant.vhdx"));
    try {
      expect(qcow2.format).toBe("qcow2");
      expect(qcow2.virtualSize).toBe(vhdx.virtualSize);
      for (let off = 0; off < vhdx.virtualSize; off += 1 << 20) expect(sha256(qcow2.device.read(off, 1 << 20))).toBe(sha256(vhdx.device.read(off, 1 << 20)));
    } finally {
      qcow2.close();
      vhdx.close();
    }
    const r = await run("inspect", "examples/demo-hp-proliant.qcow2", "--target", "hyperv", "--json");
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.stdout).findings.map((f: { id: string }) => f.id);
    expect(ids).toEqual(expect.arrayContaining(["boot-driver-missing:hyperv", "stale-static-ip", "nic-teaming", "ncsi-active-probing"]));
  });
});

describe.skipIf(!hasCorpus())("corpus images through the image layer", () => {
  if (!hasCorpus()) console.warn(noCorpusReason);
  it("reads dfvfs windows_volume.qcow2 (bare NTFS in qcow2) to the manifest's MD5", async () => {
    const path = await corpusFile("images/dfvfs/windows_volume.qcow2");
    const r = await run("cat", `${path}:Windows/System32/config/syslog`);
    expect(r.code).toBe(0);
    expect(r.bytes.length).toBe(1247);
    expect(md5(r.bytes)).toBe("8b32710e60ce9f650b8b4dcc2b3ee927");
    const info = JSON.parse((await run("disk", "info", path, "--json")).stdout);
    expect(info).toMatchObject({ format: "qcow2", virtualSize: 35913728, partitionTable: { scheme: "none" } });
    expect(info.windows).toEqual([]);
  });
});
