/** Saving an edited hive file never writes through a link planted beside it and keeps the hive's own mode. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../../src/cli/output.js";
import { ExitCode } from "../../../src/errors.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-save-safety-"));
  const victim = join(mkdtempSync(join(tmpdir(), "p2vfix-victim-")), "victim");
  writeFileSync(victim, "not yours\n");
  return { dir, hive: join(dir, "SYSTEM"), victim };
}

describe("hive saves", () => {
  it("refuses a symlink planted at HIVE.bak: the link's target and the hive stay as they were", async () => {
    const { dir, hive, victim } = setup();
    expect((await run("reg", "new", hive, "--root", "SYS")).code).toBe(0);
    const before = readFileSync(hive);
    symlinkSync(victim, `${hive}.bak`);
    const r = await run("reg", "set", hive, "Select", "Current", "1", "-t", "REG_DWORD");
    expect(r.code, r.stderr).toBe(ExitCode.refused);
    expect(r.stderr).toContain("symlink-target");
    expect(readFileSync(victim, "utf8")).toBe("not yours\n");
    expect(readFileSync(hive)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses to replace a hive path that is a symlink", async () => {
    const { dir, victim } = setup();
    const real = join(dir, "REAL");
    expect((await run("reg", "new", real, "--root", "SYS")).code).toBe(0);
    const link = join(dir, "LINKED");
    symlinkSync(victim, link);
    writeFileSync(victim, readFileSync(real));
    const before = readFileSync(victim);
    const r = await run("reg", "set", link, "Select", "Current", "1", "-t", "REG_DWORD", "--no-backup");
    expect(r.code, r.stderr).toBe(ExitCode.refused);
    expect(readFileSync(victim)).toEqual(before);
  });

  it("the saved hive and its backup keep the hive's permission bits", async () => {
    const { hive } = setup();
    expect((await run("reg", "new", hive, "--root", "SYS")).code).toBe(0);
    chmodSync(hive, 0o640);
    expect((await run("reg", "set", hive, "Select", "Current", "1", "-t", "REG_DWORD")).code).toBe(0);
    expect(statSync(hive).mode & 0o777).toBe(0o640);
    expect(statSync(`${hive}.bak`).mode & 0o777).toBe(0o640);
  });
});
