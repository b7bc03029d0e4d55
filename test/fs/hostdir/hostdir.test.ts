/**
 * A mounted Windows root on a case-sensitive Linux host: case-insensitive lookups, stored
 * case in results, confinement to the root (no "..", no symlink leaving it).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { P2vfixError } from "../../../src/errors.js";
import { openHostDir } from "../../../src/fs/hostdir/index.js";

const base = mkdtempSync(join(tmpdir(), "p2vfix-hostdir-"));
const root = join(base, "mnt");
const outside = join(base, "outside");
const config = join(root, "Windows", "System32", "config");
mkdirSync(config, { recursive: true });
mkdirSync(join(root, "EFI", "Microsoft", "Boot"), { recursive: true });
mkdirSync(outside);
const system = new Uint8Array(10000).map((_, i) => (i * 7) & 0xff);
writeFileSync(join(config, "SYSTEM"), system);
writeFileSync(join(config, "SYSTEM.LOG1"), "log");
writeFileSync(join(root, "EFI", "Microsoft", "Boot", "BCD"), "bcd");
writeFileSync(join(root, "pagefile.sys"), "");
writeFileSync(join(root, "same.txt"), "lower");
writeFileSync(join(root, "SAME.TXT"), "upper");
writeFileSync(join(outside, "secret"), "secret");
symlinkSync(join(outside, "secret"), join(root, "escape-file"));
symlinkSync(outside, join(root, "escape-dir"));
symlinkSync("../outside/secret", join(root, "escape-relative"));
symlinkSync(join(root, "Windows"), join(root, "WinLink")); // inside: allowed
symlinkSync(join(root, "missing"), join(root, "dangling"));

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("hostdir", () => {
  const fs = openHostDir(root);

  it("finds paths whatever their case, and reports the stored case", () => {
    expect(fs.type).toBe("hostdir");
    const info = fs.stat("\\WINDOWS\\system32\\CONFIG\\system");
    expect(info).toMatchObject({ name: "SYSTEM", path: "Windows/System32/config/SYSTEM", size: 10000, isDirectory: false });
    expect(fs.readFile("windows/system32/config/system")).toEqual(system);
    expect(fs.readFileRange("WINDOWS/SYSTEM32/CONFIG/SYSTEM", 4096, 100)).toEqual(system.subarray(4096, 4196));
    const opened = fs.openFile("windows/System32/config/SYSTEM");
    expect(opened.size).toBe(10000);
    expect(opened.read(9000, 1000)).toEqual(system.subarray(9000));
    expect(opened.read(0, 16)).toEqual(system.subarray(0, 16));
    expect(() => opened.read(9999, 2)).toThrowError(expect.objectContaining({ code: "out-of-range" }));
    opened.close();
    expect(() => opened.read(0, 1)).toThrowError(expect.objectContaining({ code: "closed" }));
    expect(fs.stat("efi/microsoft/boot/bcd")?.path).toBe("EFI/Microsoft/Boot/BCD");
    expect(fs.stat("")).toMatchObject({ isDirectory: true, path: "" });
    expect(fs.readFile("PAGEFILE.SYS")).toHaveLength(0);
  });

  it("prefers the exact name when names differ only in case", () => {
    expect(new TextDecoder().decode(fs.readFile("same.txt"))).toBe("lower");
    expect(new TextDecoder().decode(fs.readFile("SAME.TXT"))).toBe("upper");
    expect(new TextDecoder().decode(fs.readFile("Same.Txt"))).toBe("upper"); // first in sorted order: "SAME.TXT" < "same.txt"
  });

  it("lists a directory with stored names, skipping links that leave the root", () => {
    const names = fs.list("/").map((e) => e.name);
    expect(names).toEqual(["EFI", "SAME.TXT", "WinLink", "Windows", "pagefile.sys", "same.txt"]);
    expect(fs.list("windows/system32/config").map((e) => [e.name, e.size])).toEqual([
      ["SYSTEM", 10000],
      ["SYSTEM.LOG1", 3],
    ]);
  });

  it("follows symlinks that stay inside the root", () => {
    expect(fs.readFile("winlink/system32/config/system")).toEqual(system);
  });

  it("never leaves the root", () => {
    expect(fs.stat("escape-file")).toBeUndefined();
    expect(fs.stat("escape-relative")).toBeUndefined();
    expect(fs.stat("escape-dir/secret")).toBeUndefined();
    expect(fs.stat("dangling")).toBeUndefined();
    expect(() => fs.readFile("escape-file")).toThrowError(expect.objectContaining({ code: "not-found" }));
    expect(() => fs.readFile("../outside/secret")).toThrowError(expect.objectContaining({ code: "path-escape" }));
    expect(() => fs.stat("Windows/../../outside/secret")).toThrowError(expect.objectContaining({ code: "path-escape" }));
  });

  it("gives typed errors for misuse", () => {
    expect(() => fs.readFile("Windows")).toThrowError(expect.objectContaining({ code: "is-directory" }));
    expect(() => fs.list("pagefile.sys")).toThrowError(expect.objectContaining({ code: "not-a-directory" }));
    expect(() => fs.list("nope")).toThrowError(expect.objectContaining({ code: "not-found" }));
    expect(() => fs.readFileRange("windows/system32/config/system", 9999, 2)).toThrowError(expect.objectContaining({ code: "out-of-range" }));
    expect(() => openHostDir(join(base, "no-such-dir"))).toThrowError(expect.objectContaining({ code: "not-found" }));
    expect(() => openHostDir(join(config, "SYSTEM"))).toThrowError(expect.objectContaining({ code: "not-a-directory" }));
  });

  it("any path string resolves inside the root or fails with a typed error", () => {
    const segment = fc.constantFrom("..", ".", "Windows", "WINDOWS", "escape-dir", "escape-file", "winlink", "System32", "config", "SYSTEM", "", "x");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.constantFrom("/", "\\"), (parts, sep) => {
        const path = parts.join(sep);
        try {
          const info = fs.stat(path);
          if (info && !info.isDirectory) expect(new TextDecoder().decode(fs.readFile(path))).not.toBe("secret");
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});
