/**
 * Every preflight condition, built into a fixture (scripts/fixtures/build-refusals.sh) or made
 * at test time with real tools from the clean one, is refused with its stable code and exit
 * code 4, and leaves the image SHA-256 identical with no undo file or journal beside it.
 */
import { spawn, spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { closeSync, mkdirSync, openSync, readdirSync, readSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeHivesInImage, writerLockPath } from "../../src/apply/index.js";
import { ExitCode, P2vfixError, RefusedError } from "../../src/errors.js";
import { crc32cWithZeroedField } from "../../src/vdisk/vhdx/crc32c.js";
import { openHiveSource } from "../../src/image/index.js";
import { toolsAvailable } from "../helpers/interop.js";
import { fileSha256, freshCopy, sameSizeRewriter } from "./helpers.js";

/** The identity edit: every refusal happens before the edit matters. */
const edit = (c: { hive: import("../../src/regf/hive.js").Hive }) => c.hive.bytes;

function expectRefused(spec: string, code: string | RegExp, image: string): RefusedError {
  const before = fileSha256(image);
  const siblingsBefore = readdirSync(dirname(image)).sort();
  let caught: unknown;
  try {
    writeHivesInImage(spec, edit, { rewriter: sameSizeRewriter });
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a refusal for ${spec}`).toBeInstanceOf(RefusedError);
  const refused = caught as RefusedError;
  if (typeof code === "string") expect(refused.code).toBe(code);
  else expect(refused.code).toMatch(code);
  expect(refused.exitCode).toBe(ExitCode.refused);
  expect(fileSha256(image)).toBe(before);
  // Nothing left behind: no undo file, no journal, no lock.
  expect(readdirSync(dirname(image)).sort()).toEqual(siblingsBefore);
  return refused;
}

describe("volume and file refusals (fixtures)", () => {
  const cases: [string, string, RegExp][] = [
    ["hibernated.img", "hibernated", /hiberfil\.sys starts with "HIBR".*shutdown \/s/],
    ["dirty.img", "ntfs-dirty", /marked dirty.*chkdsk \/f/],
    ["logfile-dirty.img", "logfile-not-clean", /\$LogFile holds unfinished transactions/],
    ["fast-startup.img", "fast-startup", /Fast Startup/],
    ["compressed-hive.img", "file-compressed", /NTFS-compressed.*compact \/u/],
    ["sparse-hive.img", "file-sparse", /sparse file/],
    ["encrypted-hive.img", "file-encrypted", /EFS-encrypted.*cipher \/d/],
  ];
  for (const [fixture, code, message] of cases) {
    it(`${fixture}: refused (${code}), image unchanged`, () => {
      const image = freshCopy(fixture);
      const refused = expectRefused(`${image}:SYSTEM`, code, image);
      expect(refused.message).toMatch(message);
    });
  }

  it("the clean fixture is not refused (the refusals above are about their condition)", () => {
    const image = freshCopy("clean.img");
    const report = writeHivesInImage(`${image}:SYSTEM`, edit, { rewriter: sameSizeRewriter, dryRun: true });
    expect(report.result[0].path).toBe("Windows/System32/config/SYSTEM");
  });

  it("a BitLocker volume (boot sector OEM id -FVE-FS-) is refused", () => {
    const image = freshCopy("clean.img");
    const fd = openSync(image, "r+");
    writeSync(fd, Buffer.from("-FVE-FS-"), 0, 8, 1024 * 1024 + 3);
    closeSync(fd);
    // The hive cannot even be found on an encrypted volume: the refusal must say why.
    expectRefused(`${image}:SYSTEM`, "bitlocker", image);
    expectRefused(`${image}:Windows/System32/config/SYSTEM`, "bitlocker", image);
  });

  it("a dirty hive without logs to recover it is refused", () => {
    const image = freshCopy("clean.img");
    // Find the SYSTEM hive in the raw image by its first 4 KiB and make its sequence numbers disagree.
    const opened = openHiveSource(`${image}:SYSTEM`, { useLogs: false });
    const head = Buffer.from(opened.hive.bytes.subarray(0, 4096));
    opened.close();
    const bytes = new Uint8Array(8 * 1024 * 1024);
    const fd = openSync(image, "r+");
    readSync(fd, bytes, 0, bytes.length, 0);
    const at = Buffer.from(bytes.buffer).indexOf(head);
    expect(at).toBeGreaterThan(0);
    const seq = new DataView(bytes.buffer).getUint32(at + 4, true);
    const patched = Buffer.alloc(4);
    patched.writeUInt32LE(seq + 1);
    writeSync(fd, patched, 0, 4, at + 4);
    closeSync(fd);
    const refused = expectRefused(`${image}:SYSTEM`, "dirty-hive-unrecoverable", image);
    expect(refused.message).toMatch(/boot Windows once/);
  });
});

describe("image in use", () => {
  it("a VMware .lck folder beside the disk is refused", () => {
    const image = freshCopy("clean.img");
    mkdirSync(join(dirname(image), "vm.vmx.lck"));
    expectRefused(`${image}:SYSTEM`, "image-in-use:vmware-lock", image);
  });

  it("a DISK.lck file beside the disk is refused", () => {
    const image = freshCopy("clean.img");
    writeFileSync(`${image}.lck`, "");
    expectRefused(`${image}:SYSTEM`, "image-in-use:vmware-lock", image);
  });

  it("a suspended VMware VM (.vmss) is refused", () => {
    const image = freshCopy("clean.img");
    writeFileSync(join(dirname(image), "vm.vmss"), "");
    expectRefused(`${image}:SYSTEM`, "image-in-use:vmware-suspended", image);
  });

  it("a sibling IMAGE.lock is refused", () => {
    const image = freshCopy("clean.img");
    writeFileSync(`${image}.lock`, "");
    expectRefused(`${image}:SYSTEM`, "image-in-use:lock-file", image);
  });

  it("another live p2vfix writer's lock is refused; a dead one's is replaced", () => {
    const image = freshCopy("clean.img");
    writeFileSync(writerLockPath(image), `pid=${process.pid}\nhost=${hostname()}\ntime=now\n`);
    expectRefused(`${image}:SYSTEM`, "image-locked", image);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(writerLockPath(image), `pid=${dead.stdout}\nhost=${hostname()}\ntime=then\n`);
    const report = writeHivesInImage(`${image}:SYSTEM`, edit, { rewriter: sameSizeRewriter });
    expect(report.dryRun).toBe(false);
    expect(readdirSync(dirname(image))).not.toContain(basename(writerLockPath(image)));
  });

  it.skipIf(process.platform !== "linux" || !toolsAvailable("flock"))("a process holding flock() on the image is found in /proc/locks and refused", async () => {
    const image = freshCopy("clean.img");
    const holder = spawn("flock", [image, "sleep", "30"], { stdio: "ignore" });
    try {
      await waitForLock(image);
      expectRefused(`${image}:SYSTEM`, "image-in-use:file-locked", image);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it.skipIf(process.platform !== "linux" || !toolsAvailable("qemu-io"))("an image open in qemu (OFD locks) is refused", async () => {
    const image = freshCopy("clean.img");
    // qemu-io keeps the image open (and locked, as a running VM's qemu does) until stdin closes.
    const holder = spawn("qemu-io", ["-f", "raw", image], { stdio: ["pipe", "ignore", "ignore"] });
    try {
      await waitForLock(image);
      const refused = expectRefused(`${image}:SYSTEM`, "image-in-use:file-locked", image);
      expect(refused.message).toMatch(/shut the VM down/);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

describe("container refusals (made with qemu-img)", () => {
  it.skipIf(!toolsAvailable("qemu-img"))("a qcow2 overlay with a backing file (differencing disk) is refused", () => {
    const base = freshCopy("clean.img");
    const child = join(dirname(base), "child.qcow2");
    expect(spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", basename(base), "-F", "raw", child]).status).toBe(0);
    let caught: unknown;
    const before = fileSha256(child);
    try {
      writeHivesInImage(`${child}:SYSTEM`, edit, { rewriter: sameSizeRewriter });
    } catch (err) {
      caught = err;
    }
    // The container reader rejects overlays before anything is opened for writing; the write path makes that a refusal.
    expect(caught).toBeInstanceOf(RefusedError);
    expect((caught as P2vfixError).code).toBe("unsupported-backing-file");
    expect((caught as P2vfixError).message).toMatch(/qemu-img commit/);
    expect(fileSha256(child)).toBe(before);
  });

  it.skipIf(!toolsAvailable("qemu-img"))("a VHDX whose log must be replayed (LogGuid set) is refused", () => {
    const raw = freshCopy("clean.img");
    const vhdx = join(dirname(raw), "disk.vhdx");
    expect(spawnSync("qemu-img", ["convert", "-O", "vhdx", raw, vhdx]).status).toBe(0);
    const fd = openSync(vhdx, "r+");
    for (const at of [64 * 1024, 128 * 1024]) {
      const header = Buffer.alloc(4096);
      readSync(fd, header, 0, 4096, at);
      header.fill(0x5a, 48, 64); // LogGuid
      header.writeUInt32LE(crc32cWithZeroedField(header, 4), 4);
      writeSync(fd, header, 0, 4096, at);
    }
    closeSync(fd);
    const refused = expectRefused(`${vhdx}:SYSTEM`, "unsupported-log", vhdx);
    expect(refused.message).toMatch(/replayed/);
  });

  it.skipIf(!toolsAvailable("qemu-img"))("a parent with a qcow2 overlay beside it (backing file = the image) is refused", () => {
    const image = freshCopy("clean.img");
    expect(spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", basename(image), "-F", "raw", join(dirname(image), "overlay.qcow2")]).status).toBe(0);
    const refused = expectRefused(`${image}:SYSTEM`, "image-has-children", image);
    expect(refused.message).toMatch(/overlay\.qcow2 \(qcow2\) is a differencing disk/);
  });

  it.skipIf(!toolsAvailable("qemu-img"))("a VMDK parent with a snapshot child (parentFileNameHint) is refused", () => {
    const raw = freshCopy("clean.img");
    const parent = join(dirname(raw), "parent.vmdk");
    expect(spawnSync("qemu-img", ["convert", "-O", "vmdk", raw, parent]).status).toBe(0);
    expect(spawnSync("qemu-img", ["create", "-q", "-f", "vmdk", "-b", "parent.vmdk", "-F", "vmdk", join(dirname(raw), "parent-000001.vmdk")]).status).toBe(0);
    expectRefused(`${parent}:SYSTEM`, "image-has-children", parent);
    // And the child itself is a differencing disk: refused as well.
    const child = join(dirname(raw), "parent-000001.vmdk");
    expectRefused(`${child}:SYSTEM`, "unsupported-differencing", child);
  });

  it.skipIf(!toolsAvailable("qemu-img"))("a qcow2 with its dirty bit set (lazy refcounts, not closed) is refused", () => {
    const raw = freshCopy("clean.img");
    const image = join(dirname(raw), "dirty.qcow2");
    expect(spawnSync("qemu-img", ["convert", "-O", "qcow2", raw, image]).status).toBe(0);
    const fd = openSync(image, "r+");
    writeSync(fd, Buffer.from([1]), 0, 1, 79); // incompatible_features bit 0 (dirty), big-endian u64 at 72
    closeSync(fd);
    expect(spawnSync("qemu-img", ["info", image]).stdout.toString()).toMatch(/cleanly shut down: no/); // qemu agrees: the dirty bit is set
    const refused = expectRefused(`${image}:SYSTEM`, "qcow2-dirty", image);
    expect(refused.message).toMatch(/qemu-img check -r all/);
  });

  it.skipIf(!toolsAvailable("qemu-img"))("a VMDK not closed cleanly (uncleanShutdown) is refused", () => {
    const raw = freshCopy("clean.img");
    const image = join(dirname(raw), "unclean.vmdk");
    expect(spawnSync("qemu-img", ["convert", "-O", "vmdk", raw, image]).status).toBe(0);
    const fd = openSync(image, "r+");
    writeSync(fd, Buffer.from([1]), 0, 1, 72); // SparseExtentHeader.uncleanShutdown
    closeSync(fd);
    expectRefused(`${image}:SYSTEM`, "vmdk-unclean", image);
  });

  it("writing the BCD store is refused for now", () => {
    const image = freshCopy("clean.img");
    expectRefused(`${image}:BCD`, "bcd-write-unsupported", image);
  });
});

async function waitForLock(image: string): Promise<void> {
  const { locksOnFile } = await import("../../src/apply/locks.js");
  // Up to 30 s: a loaded 2-core machine can take seconds to start the lock holder.
  for (let i = 0; i < 600; i++) {
    if (locksOnFile(image).length > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no lock appeared on ${image}`);
}
