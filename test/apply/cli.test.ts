/**
 * `p2vfix reg set|delete|import IMAGE:HIVE` and `p2vfix undo` end to end, in process: the hive
 * inside the image changes through the safe write path, refusals exit with 4 and leave the
 * image as it was, and repeated undo walks back through the writes to the original bytes.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUndoFile } from "../../src/apply/index.js";
import { imageHiveWriteOptions } from "../../src/cli/commands/reg-image.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { ExitCode } from "../../src/errors.js";
import { openHiveSource } from "../../src/image/index.js";
import { toolsAvailable } from "../helpers/interop.js";
import { bestRewriter, fileSha256, freshCopy } from "./helpers.js";

const KEY = "ControlSet001\\Services\\p2vfix-fixture";

beforeAll(() => {
  if (bestRewriter) imageHiveWriteOptions.rewriter = bestRewriter;
});
afterAll(() => {
  delete imageHiveWriteOptions.rewriter;
});

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function readDword(image: string, key: string, name: string): number | undefined {
  const opened = openHiveSource(`${image}:SYSTEM`);
  try {
    return opened.hive.key(key)?.value(name)?.dword();
  } finally {
    opened.close();
  }
}

describe("reg set/delete/import on IMAGE:HIVE", () => {
  it("reg set writes into the image; --dry-run and refusals write nothing; undo walks back", async () => {
    const image = freshCopy("clean.img");
    const original = fileSha256(image);

    const dry = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "4", "--dry-run");
    expect(dry.code, dry.stderr).toBe(ExitCode.ok);
    expect(dry.stdout).toMatch(/would write: .*Windows\/System32\/config\/SYSTEM/);
    expect(dry.stdout).toMatch(/^set \(dry run, on a copy\): /);
    expect(dry.stdout).toMatch(/offset \d+ \(0x[0-9a-f]+\), \d+ bytes/);
    expect(fileSha256(image)).toBe(original);

    const set = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "4");
    expect(set.code, set.stderr).toBe(ExitCode.ok);
    expect(set.stdout).toContain(`set: ${image}:SYSTEM`);
    expect(set.stdout).not.toMatch(/p2vfix-image-hive-/); // the temp copy is not shown
    expect(set.stdout).toMatch(/undo file: .*\.p2vfix-undo/);
    expect(readDword(image, KEY, "Start")).toBe(4);
    const afterSet = fileSha256(image);

    const del = await run("reg", "delete", `${image}:SYSTEM`, KEY, "Value0001", "--json");
    expect(del.code, del.stderr).toBe(ExitCode.ok);
    const json = JSON.parse(del.stdout) as { action: string; path: string; image: { undoFile: string; files: { ranges: unknown[] }[] } };
    expect(json).toMatchObject({ action: "deleted", path: `${image}:SYSTEM` });
    expect(readUndoFile(json.image.undoFile).header.files[0].ranges.length).toBe(json.image.files[0].ranges.length);
    expect(openHiveSource(`${image}:SYSTEM`).hive.key(KEY)?.value("Value0001")).toBeUndefined();

    // Two undos: the delete, then the set; a third has nothing left to do.
    expect((await run("undo", image)).code).toBe(ExitCode.ok);
    expect(fileSha256(image)).toBe(afterSet);
    expect((await run("undo", image)).code).toBe(ExitCode.ok);
    expect(fileSha256(image)).toBe(original);
    const third = await run("undo", image);
    expect(third.stdout).toMatch(/nothing to do/);
    expect(fileSha256(image)).toBe(original);
  });

  it("a refused image exits with 4 before the edit and stays unchanged", async () => {
    const image = freshCopy("hibernated.img");
    const before = fileSha256(image);
    const r = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "4");
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toMatch(/hibernated/);
    expect(r.stdout).toBe("");
    expect(fileSha256(image)).toBe(before);
  });

  it.skipIf(!toolsAvailable("qemu-img"))("reg import grows the hive inside a qcow2 image (the host file grows); qemu-img check passes; undo restores the file and its size", async () => {
    const raw = freshCopy("clean.img");
    const image = join(dirname(raw), "disk.qcow2");
    expect(spawnSync("qemu-img", ["convert", "-O", "qcow2", raw, image]).status).toBe(0);
    const original = fileSha256(image);
    const reg = join(dirname(raw), "grow.reg");
    const lines = ["Windows Registry Editor Version 5.00", "", "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\grown]"];
    for (let i = 0; i < 300; i++) lines.push(`"V${String(i).padStart(4, "0")}"=dword:${i.toString(16).padStart(8, "0")}`);
    lines.push(`"Big"=hex:${Array.from({ length: 120_000 }, (_, i) => (i % 251).toString(16).padStart(2, "0")).join(",")}`);
    writeFileSync(reg, lines.join("\r\n") + "\r\n", "utf8");
    const r = await run("reg", "import", `${image}:SYSTEM`, reg, "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM");
    if (r.code === ExitCode.refused) {
      console.log(`growth refused: ${r.stderr}`);
      // Without an NTFS writer that can grow files, growth is refused cleanly.
      expect(fileSha256(image)).toBe(original);
      return;
    }
    expect(r.code, r.stderr).toBe(ExitCode.ok);
    expect(r.stdout).toMatch(/size \d+ → \d+/);
    expect(readDword(image, "ControlSet001\\Services\\grown", "V0299")).toBe(299);
    expect(spawnSync("qemu-img", ["check", "-q", image]).status).toBe(0);
    if (toolsAvailable("icat", "ifind", "hivexregedit")) {
      // sleuthkit finds the grown hive in the raw conversion, and hivex reads the imported values.
      const flat = join(dirname(raw), "flat.img");
      expect(spawnSync("qemu-img", ["convert", "-O", "raw", image, flat]).status).toBe(0);
      const inode = spawnSync("ifind", ["-o", "2048", "-n", "/Windows/System32/config/SYSTEM", flat], { encoding: "utf8" }).stdout.trim();
      const hive = spawnSync("icat", ["-o", "2048", flat, inode], { maxBuffer: 1 << 26 }).stdout;
      const hiveFile = join(dirname(raw), "SYSTEM.grown");
      writeFileSync(hiveFile, hive);
      const exported = spawnSync("hivexregedit", ["--export", hiveFile, "\\ControlSet001\\Services\\grown"], { encoding: "utf8", maxBuffer: 1 << 26 }).stdout;
      expect(exported).toMatch(/"V0299"=dword:0000012b/);
      expect(exported).toMatch(/"Big"=hex\(3\):00,01,02,03,/); // hivexregedit writes REG_BINARY as hex(3)
    }
    expect((await run("undo", image)).code).toBe(ExitCode.ok);
    expect(fileSha256(image)).toBe(original);
  });

  it("--backup-dir keeps the undo file elsewhere; the journal finds it; undo refuses while the image is in use", async () => {
    const image = freshCopy("clean.img");
    const original = fileSha256(image);
    const backups = mkdtempSync(join(tmpdir(), "p2vfix-backups-"));
    const r = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "1", "--backup-dir", backups, "--json");
    expect(r.code, r.stderr).toBe(ExitCode.ok);
    const undoFile = (JSON.parse(r.stdout) as { image: { undoFile: string } }).image.undoFile;
    expect(dirname(undoFile)).toBe(backups);
    expect(readdirSync(dirname(image)).filter((n) => n.endsWith(".p2vfix-undo"))).toEqual([]);

    writeFileSync(`${image}.lck`, "");
    const busy = await run("undo", image);
    expect(busy.code).toBe(ExitCode.refused);
    expect(busy.stderr).toMatch(/image-in-use/);
    rmSync(`${image}.lck`);

    const undo = await run("undo", image, "--json");
    expect(undo.code, undo.stderr).toBe(ExitCode.ok);
    expect(JSON.parse(undo.stdout)).toMatchObject({ undoFile, action: "restored" });
    expect(fileSha256(image)).toBe(original);
  });

  it("undo walks back through writes whose undo files went to --backup-dir (the journal beside the image names only the last)", async () => {
    const image = freshCopy("clean.img");
    const original = fileSha256(image);
    const backups = mkdtempSync(join(tmpdir(), "p2vfix-backups-"));
    expect((await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "1", "--backup-dir", backups)).code).toBe(ExitCode.ok);
    const afterFirst = fileSha256(image);
    expect((await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "2", "--backup-dir", backups)).code).toBe(ExitCode.ok);
    const second = await run("undo", image);
    expect(second.stdout).toMatch(/restored .*: the image is back to the bytes it held before that write/);
    expect(fileSha256(image)).toBe(afterFirst);
    // The first write's undo file is found in the journal's undo-file folder, without --backup-dir.
    const first = await run("undo", image);
    expect(first.stdout).toMatch(/^restored /m);
    expect(fileSha256(image)).toBe(original);
    expect((await run("undo", image)).stdout).toMatch(/nothing to do/);
    rmSync(backups, { recursive: true, force: true });
  });

  it("a --backup-dir that does not exist yet is made (0700) by a write, not by a dry run", async () => {
    const image = freshCopy("clean.img");
    const backups = join(mkdtempSync(join(tmpdir(), "p2vfix-backups-")), "undo", "files");
    const dry = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "1", "--backup-dir", backups, "--dry-run");
    expect(dry.code, dry.stderr).toBe(ExitCode.ok);
    expect(existsSync(backups)).toBe(false);
    const r = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "1", "--backup-dir", backups, "--json");
    expect(r.code, r.stderr).toBe(ExitCode.ok);
    expect(statSync(backups).mode & 0o777).toBe(0o700);
    expect(dirname((JSON.parse(r.stdout) as { image: { undoFile: string } }).image.undoFile)).toBe(backups);
  });

  it("undo on a copy of the image warns that it is another file, and still checks every range", async () => {
    const image = freshCopy("clean.img");
    const original = fileSha256(image);
    const r = await run("reg", "set", `${image}:SYSTEM`, KEY, "Start", "-t", "dword", "1", "--json");
    const undoFile = (JSON.parse(r.stdout) as { image: { undoFile: string } }).image.undoFile;
    const copy = join(mkdtempSync(join(tmpdir(), "p2vfix-copy-")), "copy.img");
    copyFileSync(image, copy);
    const undo = await run("undo", copy, undoFile, "--json");
    expect(undo.code, undo.stderr).toBe(ExitCode.ok);
    expect((JSON.parse(undo.stdout) as { warnings: string[] }).warnings.join()).toMatch(/not the same file/);
    expect(fileSha256(copy)).toBe(original);
  });
});
