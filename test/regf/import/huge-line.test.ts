/**
 * A 200 MB one-line .reg value: a typed error (exit 3, the line named) with bounded memory,
 * measured as the child process's peak RSS, and the hive left byte for byte as it was.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { writeFileSync } from "node:fs";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-huge-reg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runChild(...args: string[]): { status: number | null; stderr: string; maxRssMiB: number } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/regf/import/cli-child.ts", ...args], { encoding: "utf8", maxBuffer: 1 << 20 });
  const rss = /maxrss-kib (\d+)\s*$/.exec(r.stderr);
  expect(rss, r.stderr).not.toBeNull();
  return { status: r.status, stderr: r.stderr, maxRssMiB: Number(rss![1]) / 1024 };
}

/** `"Big"=hex:00,01,...` on line 4, `size` bytes of text in all, written in pieces. */
function writeHugeReg(path: string, size: number): void {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, 'Windows Registry Editor Version 5.00\r\n\r\n[\\Huge]\r\n"Big"=hex:00');
    const piece = Buffer.from(",ab".repeat(1 << 20), "latin1");
    for (let written = 0; written < size; written += piece.length) writeSync(fd, piece);
    writeSync(fd, "\r\n");
  } finally {
    closeSync(fd);
  }
}

describe("a 200 MB one-line .reg value", () => {
  it("is refused as line-too-long (exit 3, line 4) under 1 GiB peak RSS; the hive is unchanged", { timeout: 60_000 }, () => {
    const hive = join(dir, "HIVE");
    writeFileSync(hive, createHive("ROOT").serialize());
    const before = readFileSync(hive);
    const reg = join(dir, "huge.reg");
    writeHugeReg(reg, 200 * 1024 * 1024);
    const r = runChild("reg", "import", hive, reg);
    expect(r.status, r.stderr).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/line-too-long: line is \d+ characters long .*huge\.reg:4/);
    expect(r.maxRssMiB).toBeLessThan(1024);
    expect(readFileSync(hive).equals(before)).toBe(true);
  });
});
