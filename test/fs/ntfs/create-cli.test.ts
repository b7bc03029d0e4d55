/**
 * The copy-in commands' refusals and modes, in process: typed errors with their exit codes and
 * the image unchanged (no undo file either), --dry-run, --json, and the clear refusal on a FAT
 * volume (the EFI system partition), which p2vfix does not allocate on.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../../src/cli/output.js";
import { ExitCode } from "../../../src/errors.js";
import { fixtureFile } from "../../helpers/fixtures.js";
import { toolsAvailable } from "../../helpers/interop.js";
import { mkntfsVolume, sha, tempDir as newTempDir } from "./create-helpers.js";

// Every temp folder of this file, removed when it is done.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = newTempDir();
  dirs.push(d);
  return d;
}

async function p2vfix(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

const undoFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".p2vfix-undo"));

describe.skipIf(!toolsAvailable("mkntfs"))("p2vfix cp / mkdir / rm: refusals and modes", () => {
  it("mkdir -p lists each folder it made; run again, it writes nothing and says so", async () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 16 });
    const made = await p2vfix("mkdir", "-p", `${image}:/Tools/a/b`);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^folder  \/Tools\nfolder  \/Tools\/a\nfolder  \/Tools\/a\/b\n3 folders created or merged on partition 0; undo file: /);
    const before = sha(readFileSync(image));
    const undoBefore = undoFiles(dir).length;
    const again = await p2vfix("mkdir", "-p", `${image}:/tools/A/b`);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^nothing to write on partition 0: the image already holds all of it, and was left as it was$/m);
    expect(again.stdout).not.toMatch(/undefined/);
    expect(sha(readFileSync(image))).toBe(before);
    expect(undoFiles(dir).length).toBe(undoBefore);
  });

  it("typed errors leave the image and its folder unchanged", async () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 16 });
    const src = join(dir, "src.txt");
    writeFileSync(src, "x");
    const made = await p2vfix("mkdir", `${image}:/Tools`);
    expect(made.code).toBe(0);
    // The summary names what was done, not "0 files written".
    expect(made.stdout).toMatch(/^1 folder created or merged on partition 0; undo file: /m);
    const before = sha(readFileSync(image));
    const undoBefore = undoFiles(dir).length;
    const cases: Array<[string[], number, string]> = [
      [["cp", src, `${image}:/Tools/CON`], ExitCode.usage, "reserved-name"],
      [["cp", src, `${image}:/Tools/aux.txt`], ExitCode.usage, "reserved-name"],
      [["cp", src, `${image}:/Tools/a|b`], ExitCode.usage, "invalid-name"],
      [["cp", src, `${image}:/Tools/${"n".repeat(256)}`], ExitCode.usage, "name-too-long"],
      [["mkdir", `${image}:/TOOLS`], ExitCode.badInput, "exists"],
      [["cp", src, `${image}:/nowhere/x.txt`], ExitCode.notFound, "not-found"],
      [["cp", join(dir, "missing"), `${image}:/Tools/`], ExitCode.notFound, "not-found"],
      [["cp", dir, `${image}:/Tools/`], ExitCode.usage, "is-directory"],
      [["rm", `${image}:/$MFT`], ExitCode.refused, "system-file"],
    ];
    for (const [argv, code, what] of cases) {
      const r = await p2vfix(...argv);
      expect(r.stderr, argv.join(" ")).toContain(what);
      expect(r.code, argv.join(" ")).toBe(code);
    }
    expect(sha(readFileSync(image))).toBe(before);
    expect(undoFiles(dir).length).toBe(undoBefore);

    // Through a file: the file exists now, the path below it does not.
    expect((await p2vfix("cp", src, `${image}:/Tools/file.txt`)).code).toBe(0);
    const through = await p2vfix("cp", src, `${image}:/Tools/file.txt/inner.txt`);
    expect(through.stderr).toContain("not-a-directory");
  });

  it("--dry-run writes nothing; --json reports what was written", async () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 16 });
    const src = join(dir, "tool.cmd");
    writeFileSync(src, "@echo off\r\n");
    const before = sha(readFileSync(image));
    const dry = await p2vfix("cp", "--dry-run", src, `${image}:/`);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("dry run");
    expect(sha(readFileSync(image))).toBe(before);
    const real = await p2vfix("cp", "--json", src, `${image}:/`);
    const report = JSON.parse(real.stdout);
    expect(report.created).toEqual([{ path: "/tool.cmd", size: 11, sha256: sha(readFileSync(src)) }]);
    expect(existsSync(report.undoFile)).toBe(true);
    expect((await p2vfix("cat", `${image}:/tool.cmd`)).stdout).toBe("@echo off\r\n");
  });

  it("several sources into a folder: a file and a tree land under their own names; links inside are skipped and reported", async () => {
    const dir = tempDir();
    const image = mkntfsVolume(dir, { clusterSize: 4096, sizeMiB: 16 });
    const file = join(dir, "run.cmd");
    writeFileSync(file, "@echo run\r\n");
    const tree = join(dir, "kit");
    mkdirSync(join(tree, "sub"), { recursive: true });
    writeFileSync(join(tree, "sub", "a.txt"), "a");
    symlinkSync("/etc/passwd", join(tree, "link"));
    expect((await p2vfix("mkdir", `${image}:/Tools`)).code).toBe(0);
    const r = await p2vfix("cp", "-r", "--json", file, tree, `${image}:/Tools`);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.created.map((c: { path: string }) => c.path)).toEqual(["/Tools/run.cmd", "/Tools/kit/sub/a.txt"]);
    expect(report.folders).toEqual(["/Tools/kit", "/Tools/kit/sub"]);
    expect(report.skipped).toEqual([{ source: join(tree, "link"), reason: "symbolic link (not followed)" }]);
    expect((await p2vfix("cat", `${image}:/Tools/kit/sub/a.txt`)).stdout).toBe("a");
    expect((await p2vfix("cat", `${image}:/Tools/run.cmd`)).stdout).toBe("@echo run\r\n");
  });

  it("a FAT volume is refused with the reason", async () => {
    const dir = tempDir();
    const image = join(dir, "esp.img");
    writeFileSync(image, gunzipSync(readFileSync(fixtureFile("fat/fat32.img.gz"))));
    const before = sha(readFileSync(image));
    const r = await p2vfix("mkdir", `${image}:/EFI/p2vfix`);
    expect(r.stderr).toContain("fat-not-supported");
    expect(r.code).toBe(ExitCode.refused);
    expect(sha(readFileSync(image))).toBe(before);
  });

  it("the EFI system partition of a GPT image is refused for cp, mkdir and rm alike, naming the NTFS partitions; the image unchanged", async () => {
    const dir = tempDir();
    const image = join(dir, "windows-gpt.img");
    writeFileSync(image, gunzipSync(readFileSync(fixtureFile("image/windows-gpt.img.gz"))));
    const src = join(dir, "tool.cmd");
    writeFileSync(src, "@echo off\r\n");
    const before = sha(readFileSync(image));
    for (const args of [["cp", "--partition", "1", src, `${image}:/EFI`], ["mkdir", "--partition", "1", `${image}:/EFI/p2vfix`], ["rm", "--partition", "1", `${image}:/EFI/Microsoft/Boot/BCD`]]) {
      const r = await p2vfix(...args);
      expect(r.stderr).toContain("fat-not-supported");
      expect(r.stderr).toContain("--partition (3, 4)");
      expect(r.code).toBe(ExitCode.refused);
    }
    expect(sha(readFileSync(image))).toBe(before);
    expect(readdirSync(dir).filter((n) => /p2vfix-(undo|journal)|\.tmp$/.test(n))).toEqual([]);
  });
});
