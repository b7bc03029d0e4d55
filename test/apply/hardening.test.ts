/**
 * Attacks by someone who can write the image's folder (issue 17): a crafted undo file or journal
 * naming a host file, symlinks planted where p2vfix creates files, undo/journal permission bits,
 * a YAML alias bomb, a qcow2 with an impossible L1 size. Each must leave the victim file and the
 * image byte for byte as they were, with a typed error.
 */
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeUndoFile, journalPath, readUndoFile, runTransaction, undoApply, writeJournal, writeUndoFile } from "../../src/apply/index.js";
import { openersOf } from "../../src/apply/open-by-others.js";
import { ExitCode, P2vfixError } from "../../src/errors.js";
import { vmSidecarPath, restoreVmLinks } from "../../src/plan/vm-link.js";
import { replaceFileAtomically } from "../../src/vmconfig/file-store.js";
import { fixtureFile } from "../helpers/fixtures.js";
import { cli, sha } from "../plan/helpers.js";
import { freshCopy } from "./helpers.js";

const SIZE = 64 * 1024;

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "p2vfix-harden-"));
}

/** A raw image with a known pattern, written once through the transaction: returns its paths. */
function writtenImage(mode = 0o644): { dir: string; image: string; undoFile: string; originalSha: string } {
  const dir = scratch();
  const image = join(dir, "disk.img");
  writeFileSync(image, Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 13) & 0xff)));
  chmodSync(image, mode);
  const originalSha = sha(image);
  const report = runTransaction(image, (img) => {
    img.device.write(4096, new Uint8Array(512).fill(0xab));
    return { changes: ["test write"], verify: () => undefined, result: undefined };
  });
  return { dir, image, undoFile: report.undoFile!, originalSha };
}

function victim(): { path: string; sha: string } {
  const path = join(scratch(), "victim.conf");
  writeFileSync(path, "root:secret:precious\n".repeat(100));
  return { path, sha: sha(path) };
}

function caught(fn: () => unknown): P2vfixError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(P2vfixError);
    return err as P2vfixError;
  }
  throw new Error("expected a typed error");
}

describe("undo never trusts paths it reads", () => {
  it("an undo file naming a host file beside the image's entry is refused; victim and image unchanged", () => {
    const { dir, image } = writtenImage();
    const target = victim();
    const imageSha = sha(image);
    const genuine = readUndoFile(readdirSync(dir).filter((n) => n.endsWith(".p2vfix-undo")).map((n) => join(dir, n))[0]);
    const hostile = join(dir, "disk.img.20990101T000000.000Z.p2vfix-undo");
    writeFileSync(
      hostile,
      encodeUndoFile({
        image: genuine.header.image,
        changes: ["innocent"],
        files: [
          { path: image, originalSize: SIZE, newSize: SIZE, ranges: [] },
          // "Restore" the victim to attacker bytes: its current content is the "after" state.
          { path: target.path, originalSize: 2100, newSize: 2100, ranges: [{ offset: 0, before: new Uint8Array(21).fill(0x41), after: readFileSync(target.path).subarray(0, 21) }] },
        ],
      }),
    );
    const err = caught(() => undoApply(image, { undoFile: hostile, force: true }));
    expect(err.code).toBe("undo-foreign-path");
    expect(err.exitCode).toBe(ExitCode.refused);
    expect(sha(target.path)).toBe(target.sha);
    expect(sha(image)).toBe(imageSha);
  });

  it("a journal naming an undo file outside the image's name pattern is refused", async () => {
    const { image } = writtenImage();
    const imageSha = sha(image);
    const target = victim();
    writeJournal(image, "applying", target.path);
    const r = await cli("undo", image);
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toContain("journal-foreign-path");
    expect(sha(target.path)).toBe(target.sha);
    expect(sha(image)).toBe(imageSha);
  });

  it("a VM sidecar naming a VM definition the user did not confirm is refused before the image is touched", async () => {
    const { image } = writtenImage();
    const imageSha = sha(image);
    const vmx = join(scratch(), "other.vmx");
    copyFileSync(fixtureFile("vmconfig/FS01-p2v.vmx"), vmx);
    const vmxSha = sha(vmx);
    writeFileSync(vmSidecarPath(image), JSON.stringify({ version: 1, vmFile: vmx, nics: [{ index: 0, wasConnected: false }] }));
    const r = await cli("undo", image);
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toContain("vm-file-not-confirmed");
    expect(sha(vmx)).toBe(vmxSha);
    expect(sha(image)).toBe(imageSha);
    // Named again by the user, it is edited (the record is honoured).
    expect(restoreVmLinks(image, { vmFile: vmx, dryRun: true })).toHaveLength(1);
  });
});

describe("no symlink or pre-created file is followed", () => {
  it("a symlink at the journal, the next undo file, the VM .bak, the cp output or the sidecar is refused; the victim unchanged", () => {
    const { dir, image } = writtenImage();
    const target = victim();
    const plant = (at: string) => symlinkSync(target.path, at);

    // A journal that is a link: refused, neither written through nor replaced.
    const journal = journalPath(image);
    const other = join(dir, "other.img");
    writeFileSync(other, new Uint8Array(512));
    plant(journalPath(other));
    expect(caught(() => writeJournal(other, "done", "other.img.x.p2vfix-undo")).code).toBe("symlink-target");

    // The old predictable temp names (PATH.PID.tmp, .NAME.p2vfix-PID.tmp) planted: ignored, temps are random and exclusive.
    plant(`${journal}.${process.pid}.tmp`);
    plant(join(dir, `.disk.img.p2vfix-${process.pid}.tmp`));
    writeJournal(image, "done", "disk.img.x.p2vfix-undo");

    // An undo file name taken by a (dangling or not) link: refused, never written through.
    const undoName = join(dir, "disk.img.20990101T000000.000Z.p2vfix-undo");
    plant(undoName);
    expect(caught(() => writeUndoFile(undoName, { image: { path: image, size: 1, mtimeMs: 0, dev: 0, ino: 0 }, changes: [], files: [] })).code).toMatch(/^(symlink-target|file-exists)$/);
    // A plain file planted there is not replaced either.
    const planted = join(dir, "disk.img.20990101T000000.001Z.p2vfix-undo");
    writeFileSync(planted, "planted");
    expect(caught(() => writeUndoFile(planted, { image: { path: image, size: 1, mtimeMs: 0, dev: 0, ino: 0 }, changes: [], files: [] })).code).toBe("file-exists");
    expect(readFileSync(planted, "utf8")).toBe("planted");

    // VM definition save with a link at FILE.bak, and a VM file that is itself a link.
    const vmx = join(dir, "vm.vmx");
    copyFileSync(fixtureFile("vmconfig/FS01-p2v.vmx"), vmx);
    plant(`${vmx}.bak`);
    expect(caught(() => replaceFileAtomically(vmx, (w) => w.write(new Uint8Array([1])), true)).code).toBe("symlink-target");
    const vmxLink = join(dir, "link.vmx");
    plant(vmxLink);
    expect(caught(() => replaceFileAtomically(vmxLink, (w) => w.write(new Uint8Array([1])), false)).code).toBe("symlink-target");

    // The VM sidecar is a link.
    plant(vmSidecarPath(image));
    expect(caught(() => restoreVmLinks(image)).code).toBe("bad-vm-sidecar");

    expect(sha(target.path)).toBe(target.sha);
  });

  it("`cp` onto a symlink is refused and the link's target kept; onto a free name it copies", async () => {
    const image = freshCopy("clean.img");
    const target = victim();
    const out = join(scratch(), "out.bin");
    symlinkSync(target.path, out);
    const r = await cli("cp", `${image}:/Windows/System32/config/SYSTEM`, out);
    expect(r.code, r.stderr).toBe(ExitCode.refused);
    expect(r.stderr).toContain("destination-exists");
    // Even told to replace what exists, a link is never written through.
    const forced = await cli("cp", "--force", `${image}:/Windows/System32/config/SYSTEM`, out);
    expect(forced.code, forced.stderr).toBe(ExitCode.refused);
    expect(forced.stderr).toContain("symlink-target");
    expect(sha(target.path)).toBe(target.sha);
    const ok = await cli("cp", `${image}:/Windows/System32/config/SYSTEM`, `${out}.2`);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(`${out}.2`).subarray(0, 4).toString("latin1")).toBe("regf");
  });
});

describe("another opener without a lock", () => {
  it.skipIf(process.platform !== "linux")("a process holding the image open is named in the transaction's warnings", async () => {
    const dir = scratch();
    const image = join(dir, "disk.img");
    writeFileSync(image, new Uint8Array(SIZE));
    const child = spawn(process.execPath, ["-e", `require("fs").openSync(${JSON.stringify(image)}, "r"); process.stdout.write("open\\n"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      await new Promise<void>((done) => child.stdout!.once("data", () => done()));
      expect(openersOf([image]).map((o) => o.pid)).toContain(child.pid);
      const report = runTransaction(image, (img) => {
        img.device.write(0, new Uint8Array(512).fill(1));
        return { changes: ["x"], verify: () => undefined, result: undefined };
      });
      expect(report.warnings?.join("\n")).toContain(`process ${child.pid}`);
    } finally {
      child.kill();
    }
  });
});

describe("privacy", () => {
  it("undo file and journal of a 0600 image are 0600; of a 0640 image, never wider than 0640", () => {
    for (const mode of [0o600, 0o640]) {
      const { image, undoFile } = writtenImage(mode);
      expect(statSync(undoFile).mode & 0o777).toBe(mode & ~process.umask());
      expect(statSync(journalPath(image)).mode & 0o777).toBe(mode & ~process.umask());
    }
  });

  it("undo still restores the image byte for byte (the hardening keeps the happy path)", () => {
    const { image, originalSha } = writtenImage();
    undoApply(image);
    expect(sha(image)).toBe(originalSha);
  });
});

describe("bounded input", () => {
  it("a YAML alias bomb as a plan exits 3 with a typed error, nothing written", async () => {
    const dir = scratch();
    const plan = join(dir, "bomb.yaml");
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    writeFileSync(plan, lines.join("\n") + "\n");
    const image = join(dir, "disk.img");
    writeFileSync(image, new Uint8Array(SIZE));
    const before = readdirSync(dir).sort();
    const r = await cli("apply", image, plan);
    expect(r.code, r.stderr).toBe(ExitCode.badInput);
    expect(r.stderr).toContain("plan-alias-limit");
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("a plan file over the size limit exits 3", async () => {
    const dir = scratch();
    const plan = join(dir, "huge.yaml");
    writeFileSync(plan, `# ${"x".repeat(5 * 1024 * 1024)}\n`);
    const r = await cli("apply", join(dir, "none.img"), plan);
    expect(r.stderr).toContain("plan-too-large");
    expect(r.code).toBe(ExitCode.badInput);
  });

  it("a qcow2 with an L1 size qemu refuses is refused before anything is written", () => {
    const dir = scratch();
    const image = join(dir, "bad.qcow2");
    const bytes = Buffer.alloc(4 * 65536);
    bytes.write("QFI\xfb", 0, "latin1");
    bytes.writeUInt32BE(2, 4); // version
    bytes.writeUInt32BE(16, 20); // cluster bits: 64 KiB
    bytes.writeBigUInt64BE(1n << 30n, 24); // 1 GiB virtual
    bytes.writeUInt32BE(0x7fffffff, 36); // L1 entries: far over QCOW_MAX_L1_SIZE / 8
    bytes.writeBigUInt64BE(3n * 65536n, 40); // L1 offset
    bytes.writeBigUInt64BE(65536n, 48); // refcount table offset
    bytes.writeUInt32BE(1, 56); // refcount table clusters
    writeFileSync(image, bytes);
    const before = sha(image);
    const err = caught(() => runTransaction(image, () => ({ changes: [], verify: () => undefined, result: undefined })));
    expect(err.code).toBe("bad-l1");
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(sha(image)).toBe(before);
    expect(readdirSync(dir)).toEqual(["bad.qcow2"]);
    expect(existsSync(journalPath(image))).toBe(false);
  });
});

