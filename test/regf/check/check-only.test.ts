/** The partial check small edits use: what the edit touches is checked, the rest is not read. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../../src/cli/output.js";
import { ExitCode } from "../../../src/errors.js";
import { HBINS_START } from "../../../src/regf/base-block.js";
import { NK } from "../../../src/regf/cells/nk.js";
import { checkHive } from "../../../src/regf/check/check-hive.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { Hive } from "../../../src/regf/hive.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

/** Keys A\B and C\D with values; C\D's value list offset is pointed at nothing (a dangling reference). */
function hiveWithDefectUnderC(): Uint8Array {
  const editor = createHive("ROOT", { now: () => new Date(0) });
  for (const path of ["A\\B", "C\\D"]) {
    editor.createKey(path);
    editor.setValue(path, "v", 3, new Uint8Array(40).fill(7));
  }
  const bytes = editor.serialize();
  const d = new Hive(bytes).key("C\\D")!;
  new DataView(bytes.buffer).setUint32(HBINS_START + d.offset + 4 + NK.valueList, 0x7ff0, true);
  return bytes;
}

describe("checkHive with `only`", () => {
  it("checks the keys on the paths (and subtrees when asked), not the others", () => {
    const bytes = hiveWithDefectUnderC();
    expect(checkHive(bytes).errors.map((e) => e.code)).toContain("dangling-reference");
    expect(checkHive(bytes, { only: { paths: ["A\\B"] } }).ok).toBe(true);
    expect(checkHive(bytes, { only: { paths: ["a\\b\\NEW"] } }).ok).toBe(true);
    expect(checkHive(bytes, { only: { paths: ["c\\d"] } }).errors.map((e) => e.code)).toEqual(["dangling-reference"]);
    expect(checkHive(bytes, { only: { paths: ["C"] } }).ok).toBe(true);
    expect(checkHive(bytes, { only: { paths: ["C"], subtrees: true } }).ok).toBe(false);
    // Every bin and cell header is always walked: a broken cell size anywhere is found.
    const broken = bytes.slice();
    const d = new Hive(broken).key("C\\D")!;
    new DataView(broken.buffer).setInt32(HBINS_START + d.offset, -3, true);
    expect(checkHive(broken, { only: { paths: ["A"] } }).ok).toBe(false);
  });

  it("reg set edits a hive whose defect is off its path; on its path, or with --verify, it refuses and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-check-only-"));
    const file = join(dir, "HIVE");
    const bytes = hiveWithDefectUnderC();
    writeFileSync(file, bytes);
    const off = await run("reg", "set", file, "A\\B", "w", "x", "-t", "REG_SZ", "--no-backup");
    expect(off.stderr).toBe("");
    expect(off.code).toBe(0);
    expect(new Hive(new Uint8Array(readFileSync(file))).key("A\\B")!.value("w")).toBeDefined();
    const before = readFileSync(file);
    const on = await run("reg", "set", file, "C\\D", "w", "x", "-t", "REG_SZ", "--no-backup");
    expect(on.code).toBe(ExitCode.badInput);
    expect(on.stderr).toMatch(/unsound-hive: .*dangling-reference/);
    const verified = await run("reg", "set", file, "A\\B", "w", "y", "-t", "REG_SZ", "--no-backup", "--verify");
    expect(verified.code).toBe(ExitCode.badInput);
    const deleting = await run("reg", "delete", file, "C", "--no-backup");
    expect(deleting.code).toBe(ExitCode.badInput);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
