/**
 * Recovery defects as Windows meets them, through `p2vfix reg`: each hive is built from a real
 * edit (before/after serialized by the editor) so the log replays genuine hive bins.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../../src/cli/output.js";
import { ExitCode } from "../../../src/errors.js";
import { HBINS_START, writeBaseBlockChecksum } from "../../../src/regf/base-block.js";
import { NK } from "../../../src/regf/cells/nk.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { Hive } from "../../../src/regf/hive.js";
import { buildHvleEntry, buildNewLog } from "./log-builder.js";
import { buildOldLog } from "./synthetic-hive.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

const REG_SZ = 1;
const utf16z = (s: string) => new Uint8Array(Buffer.from(`${s}\0`, "utf16le"));

/** The hive before (value "v" = "before") and after (= "after", plus key New) an edit, same size. */
function beforeAndAfter(): { before: Uint8Array; after: Uint8Array } {
  const editor = createHive("ROOT", { now: () => new Date("2024-01-02T03:04:05Z") });
  editor.createKey("Keep");
  editor.setValue("Keep", "v", REG_SZ, utf16z("before"));
  const before = editor.serialize();
  editor.setValue("Keep", "v", REG_SZ, utf16z("after"));
  editor.createKey("New");
  const after = editor.serialize();
  expect(after.length).toBe(before.length);
  return { before, after };
}

function setU32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value, true);
}

/** `before` marked dirty (primary sequence one ahead), and a LOG1 whose one entry writes `after`'s bins. */
function dirtyWithNewLog(): { primary: Uint8Array; log: Uint8Array; sequence: number } {
  const { before, after } = beforeAndAfter();
  const sequence = new DataView(before.buffer).getUint32(8, true);
  const primary = before.slice();
  setU32(primary, 4, sequence + 1);
  writeBaseBlockChecksum(primary);
  const entry = buildHvleEntry({ sequence, hiveBinsDataSize: after.length - 4096, pages: [{ hbinsOffset: 0, data: after.subarray(4096) }] });
  return { primary, log: buildNewLog(before, sequence, [entry]), sequence };
}

function folderWith(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-recovery-"));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

describe("recovery defects, as Windows handles them", () => {
  it("a primary whose base block (version field included) is corrupt is rebuilt from the log first", async () => {
    const { primary, log } = dirtyWithNewLog();
    setU32(primary, 24, 1); // minor version 1: "unsupported" if judged before the rebuild
    const dir = folderWith({ HIVE: primary, "HIVE.LOG1": log });
    const r = await run("reg", "get", join(dir, "HIVE"), "Keep", "v");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("REG_SZ  after\n");
    const info = JSON.parse((await run("reg", "info", join(dir, "HIVE"), "--json")).stdout);
    expect(info.version).toBe("1.5");
    expect(info.dirtyReasons.join()).toMatch(/checksum is wrong/);
    expect(info.recovery.appliedLogs[0].name).toBe("HIVE.LOG1");
  });

  it("a corrupt base block (version field included) with nothing left to replay: rebuilt from the log's copy alone", async () => {
    const { after } = beforeAndAfter();
    const sequence = new DataView(after.buffer).getUint32(8, true);
    const primary = after.slice();
    // The log's entry is older than the primary (already reconciled): only its base block is of use.
    const log = buildNewLog(after, sequence, [buildHvleEntry({ sequence: sequence - 1, hiveBinsDataSize: after.length - 4096, pages: [{ hbinsOffset: 0, data: after.subarray(4096) }] })]);
    setU32(primary, 20, 7); // major version 7: the checksum is now wrong
    const dir = folderWith({ HIVE: primary, "HIVE.LOG1": log });
    const r = await run("reg", "get", join(dir, "HIVE"), "Keep", "v");
    expect([r.code, r.stdout]).toEqual([0, "REG_SZ  after\n"]);
    const info = JSON.parse((await run("reg", "info", join(dir, "HIVE"), "--json")).stdout);
    expect(info.version).toBe("1.5");
    expect(info.warnings.join()).toMatch(/HIVE\.LOG1: the primary base block was rebuilt from this log's copy/);
    // Without the log the damaged block is all there is: refused, with the field named.
    const alone = await run("reg", "get", join(dir, "HIVE"), "Keep", "v", "--no-logs");
    expect(alone.code).toBe(ExitCode.badInput);
    expect(alone.stderr).toMatch(/unsupported-version: regf format 7\.5/);
  });

  it("a dirty hive whose only log has a bad base block checksum: recovery-failed (exit 7) naming the log; --no-logs reads the stale primary", async () => {
    const { primary, log } = dirtyWithNewLog();
    log[60] ^= 0xff; // inside the log's base block (file name field): its checksum no longer matches
    const dir = folderWith({ HIVE: primary, "HIVE.LOG1": log });
    const r = await run("reg", "get", join(dir, "HIVE"), "Keep", "v");
    expect(r.code).toBe(ExitCode.recoveryFailed);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/recovery-failed/);
    expect(r.stderr).toMatch(/HIVE\.LOG1: bad-log-checksum: HIVE\.LOG1: base block checksum is 0x[0-9a-f]+, expected/);
    expect(r.stderr).toMatch(/sequence numbers differ/);
    expect(r.stderr).toMatch(/--no-logs/);
    const stale = await run("reg", "get", join(dir, "HIVE"), "Keep", "v", "--no-logs");
    expect(stale.code).toBe(0);
    expect(stale.stdout).toBe("REG_SZ  before\n");
    expect(stale.stderr).toMatch(/--no-logs was given: the view may be stale/);
  });

  it("a dirty hive whose old-format log has no DIRT vector: recovery-failed, and export writes nothing", async () => {
    const { before, after } = beforeAndAfter();
    const sequence = new DataView(before.buffer).getUint32(8, true);
    const primary = before.slice();
    setU32(primary, 4, sequence + 1);
    writeBaseBlockChecksum(primary);
    const log = buildOldLog(primary, sequence + 1, after.length - 4096, [{ hbinsOffset: 0, data: after.subarray(4096) }]);
    log.set([0, 0, 0, 0], 512); // the "DIRT" signature
    const dir = folderWith({ HIVE: primary, "HIVE.LOG": log });
    const r = await run("reg", "export", join(dir, "HIVE"), "--encoding", "utf8");
    expect(r.code).toBe(ExitCode.recoveryFailed);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/HIVE\.LOG: [a-z-]+: .*DIRT/);
  });

  it("the same hive with an intact log recovers (the defects above are what make them fail)", async () => {
    const { primary, log } = dirtyWithNewLog();
    const dir = folderWith({ HIVE: primary, "HIVE.LOG1": log });
    const r = await run("reg", "get", join(dir, "HIVE"), "Keep", "v");
    expect([r.code, r.stdout]).toEqual([0, "REG_SZ  after\n"]);
  });

  it("a key whose parent offset does not point back to its parent: reg check and export report bad-parent", async () => {
    const { after } = beforeAndAfter();
    const bytes = after.slice();
    const hive = new Hive(bytes);
    const keep = hive.key("Keep")!;
    const other = hive.key("New")!;
    setU32(bytes, HBINS_START + keep.offset + 4 + NK.parent, other.offset);
    const dir = folderWith({ HIVE: bytes });
    const check = await run("reg", "check", join(dir, "HIVE"));
    expect(check.code).toBe(ExitCode.verifyFailed);
    expect(check.stdout).toMatch(/bad-parent/);
    const exported = await run("reg", "export", join(dir, "HIVE"), "--encoding", "utf8");
    expect(exported.code).toBe(ExitCode.badInput);
    expect(exported.stderr).toMatch(/bad-parent: key's parent field is 0x[0-9a-f]+, but it is listed under 0x[0-9a-f]+ \(Keep/);
    const json = await run("reg", "export", join(dir, "HIVE"), "--json");
    expect(json.code).toBe(ExitCode.badInput);
    expect(json.stderr).toMatch(/bad-parent/);
  });
});
