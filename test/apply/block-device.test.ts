/**
 * p2vfix on real block devices (loop devices over scenario images): inspect, plan, apply and
 * undo on /dev/loopN as on an image file. The undo file, journal and lock go to --backup-dir
 * (required for a device: a typed usage error names it), never into /dev; sleuthkit (icat) and
 * hivex read the change back from the device; undo restores the device's SHA-256. A second
 * writer is refused whatever folder it keeps its lock in (the exclusive open), a mounted device
 * is refused for writing (read with a warning), a qcow2 written onto a device is written in place (qemu-img check clean) or, when
 * it would have to grow, refused with nothing written.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoImage } from "../../scripts/fixtures/build-scenarios.js";
import { acquireWriterLock } from "../../src/apply/locks.js";
import { ExitCode } from "../../src/errors.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { attachLoop, detachLoops, deviceSha, loopUnavailable, loopDevicesAvailable } from "../helpers/loop-device.js";
import { cli } from "../helpers/cli.js";
import { cliBundle } from "../batch/helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-blockdev-apply-"));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) spawnSync("umount", [m]);
  detachLoops();
  rmSync(work, { recursive: true, force: true });
});


/** Nothing of p2vfix's beside the device node. */
function sidecarsInDev(device: string): string[] {
  return readdirSync("/dev").filter((n) => n.startsWith(`${basename(device)}.`));
}

/** The demo disk (MBR, NTFS partition at 1 MiB) converted by qemu-img into `format`, with extra qemu-img options. */
function demoAs(name: string, format: string, options: string[] = []): string {
  const vhdx = join(work, "demo.vhdx");
  writeFileSync(vhdx, gunzipSync(readFileSync(demoImage)));
  const out = join(work, name);
  const r = runTool("qemu-img", ["convert", "-f", "vhdx", "-O", format, ...options, vhdx, out]);
  if (r.status !== 0) throw new Error(`qemu-img convert: ${r.stderr}`);
  return out;
}

/** A value of the SYSTEM hive as sleuthkit and hivex read it from the device: icat the file out of the NTFS partition at 1 MiB, hivexget the value. */
function systemValueByPeers(device: string, key: string, value: string): string {
  const inode = runTool("ifind", ["-o", "2048", "-n", "/Windows/System32/config/SYSTEM", device]).stdout.toString().trim();
  expect(inode).toMatch(/^\d+/);
  const hive = join(work, `SYSTEM-${Date.now()}`);
  writeFileSync(hive, runTool("icat", ["-o", "2048", device, inode]).stdout);
  const r = runTool("hivexget", [hive, key, value]);
  rmSync(hive);
  return r.stdout.toString().trim();
}

const peers = loopUnavailable() === undefined && toolsAvailable("qemu-img", "icat", "ifind", "hivexget");

describe.skipIf(!loopDevicesAvailable() || !peers)("p2vfix on a block device", () => {
  let device = "";
  let plan = "";
  beforeAll(async () => {
    device = attachLoop(demoAs("demo.raw", "raw"));
    plan = join(work, "plan.yaml");
    const planned = await cli("plan", device, "--target", "kvm", "-o", plan);
    expect(planned.code, planned.stderr).toBe(0);
  });

  it("inspect, apply (--backup-dir required), peers read the change from the device, undo restores its SHA-256", async () => {
    const inspected = await cli("inspect", device, "--json");
    expect(inspected.code, inspected.stderr).toBe(0);
    const report = JSON.parse(inspected.stdout);
    expect(report.installation.productName).toMatch(/Windows Server 2012 R2/);
    expect(report.sources.filesystem).toBe(`${device}, partition 1 (ntfs)`);
    const original = deviceSha(device);
    expect(systemValueByPeers(device, "ControlSet001\\Control\\CrashControl", "AutoReboot")).toBe("1");

    const refused = await cli("apply", device, plan);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toContain("device-needs-backup-dir");
    expect(refused.stderr).toContain("--backup-dir");
    expect(deviceSha(device)).toBe(original);

    // A dry run writes nothing anywhere, so it needs no folder.
    const dry = await cli("apply", device, plan, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(deviceSha(device)).toBe(original);

    const state = join(work, "undo-state");
    mkdirSync(state);
    const applied = await cli("apply", device, plan, "--backup-dir", state);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`(p2vfix undo ${device} --backup-dir ${state} restores the image)`);
    const files = readdirSync(state).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(new RegExp(`^${basename(device)}\\.\\d{8}T\\d{6}\\.\\d{3}Z\\.p2vfix-undo$`));
    expect(files[1]).toBe(`${basename(device)}.p2vfix-journal`);
    expect(sidecarsInDev(device)).toEqual([]);
    expect(deviceSha(device)).not.toBe(original);
    expect(systemValueByPeers(device, "ControlSet001\\Control\\CrashControl", "AutoReboot")).toBe("0");

    const again = await cli("apply", device, plan, "--backup-dir", state);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing written");

    expect((await cli("undo", device)).code).toBe(ExitCode.usage);
    const undone = await cli("undo", device, "--backup-dir", state);
    expect(undone.code, undone.stderr).toBe(0);
    expect(deviceSha(device)).toBe(original);
    expect(sidecarsInDev(device)).toEqual([]);
  });

  it("an apply killed half way (SIGKILL after its first writes) is rolled back by undo from the folder; the kill released the device", async () => {
    const original = deviceSha(device);
    const state = join(work, "killed-state");
    mkdirSync(state);
    // Steps: undo file, journal "applying", then 64 KiB write calls: killed after the second write.
    const killed = spawnSync(process.execPath, [cliBundle(), "apply", device, plan, "--backup-dir", state], { env: { ...process.env, P2VFIX_TEST_KILL_AFTER_STEPS: "4" }, encoding: "utf8" });
    expect(killed.signal).toBe("SIGKILL");
    expect(JSON.parse(readFileSync(join(state, `${basename(device)}.p2vfix-journal`), "utf8")).state).toBe("applying");
    expect(deviceSha(device)).not.toBe(original);
    const undone = await cli("undo", device, "--backup-dir", state);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toContain("rolled back the interrupted write");
    expect(deviceSha(device)).toBe(original);
    expect(sidecarsInDev(device)).toEqual([]);
  });

  it("a second writer is refused while one holds the device, whatever folder it keeps its lock in", async () => {
    const original = deviceSha(device);
    const a = join(work, "writer-a");
    const b = join(work, "writer-b");
    mkdirSync(a);
    mkdirSync(b);
    const lock = acquireWriterLock(device, a);
    try {
      const second = await cli("apply", device, plan, "--backup-dir", b);
      expect(second.code, second.stderr).toBe(ExitCode.refused);
      expect(second.stderr).toContain("image-in-use:device-claimed");
    } finally {
      lock.release();
    }
    expect(deviceSha(device)).toBe(original);
    expect(readdirSync(b)).toEqual([]);
  });

  it.skipIf(!toolsAvailable("ntfs-3g"))("a mounted device is refused (ntfs-3g on the partition's own loop device), nothing written", async () => {
    const raw = join(work, "demo.raw");
    const partition = attachLoop(raw, { offset: 1024 * 1024 });
    const mnt = join(work, "mnt");
    mkdirSync(mnt);
    const mounted = runTool("ntfs-3g", ["-o", "ro", partition, mnt]);
    expect(mounted.status, mounted.stderr).toBe(0);
    mounts.push(mnt);
    const original = deviceSha(partition);
    const state = join(work, "mounted-state");
    mkdirSync(state);
    try {
      // Reading is allowed, with a warning in the report.
      const inspected = await cli("inspect", partition, "--json");
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(JSON.parse(inspected.stdout).sources.warnings).toEqual([`${partition} is mounted on ${mnt} (fuseblk): what is read from it may be out of date or inconsistent`]);
      const r = await cli("apply", partition, plan, "--backup-dir", state);
      expect(r.code, r.stderr).toBe(ExitCode.refused);
      expect(r.stderr).toContain("image-in-use:device-mounted");
      expect(r.stderr).toContain(`is mounted on ${mnt} (fuseblk)`);
    } finally {
      spawnSync("umount", [mnt]);
      mounts.splice(mounts.indexOf(mnt), 1);
    }
    expect(deviceSha(partition)).toBe(original);
    expect(readdirSync(state)).toEqual([]);
    // Unmounted, the same volume (a bare NTFS device) is written.
    const r = await cli("apply", partition, plan, "--backup-dir", state);
    expect(r.code, r.stderr).toBe(0);
    expect(deviceSha(partition)).not.toBe(original);
    expect((await cli("undo", partition, "--backup-dir", state)).code).toBe(0);
    expect(deviceSha(partition)).toBe(original);
  });

  it("a qcow2 written onto a device is found by its content and written in place; one that would have to grow is refused", async () => {
    const preallocated = attachLoop(demoAs("pre.qcow2", "qcow2", ["-o", "preallocation=metadata"]));
    const state = join(work, "qcow2-state");
    mkdirSync(state);
    const original = deviceSha(preallocated);
    const fixed = await cli("fix", preallocated, "--target", "kvm", "--yes", "--backup-dir", state);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(deviceSha(preallocated)).not.toBe(original);
    const check = runTool("qemu-img", ["check", "-f", "qcow2", preallocated]);
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(check.stdout.toString()).toContain("No errors were found");
    expect((await cli("undo", preallocated, "--backup-dir", state)).code).toBe(0);
    expect(deviceSha(preallocated)).toBe(original);

    // qemu-img's compact qcow2 has no cluster where some hive blocks must go: growing a device is impossible.
    const compact = attachLoop(demoAs("compact.qcow2", "qcow2"));
    const before = deviceSha(compact);
    const dry = await cli("fix", compact, "--target", "kvm", "--dry-run");
    expect(dry.code).toBe(ExitCode.refused);
    expect(dry.stderr).toContain("device-cannot-grow");
    const grow = await cli("fix", compact, "--target", "kvm", "--yes", "--backup-dir", state);
    expect(grow.code).toBe(ExitCode.refused);
    expect(grow.stderr).toContain("device-cannot-grow");
    expect(deviceSha(compact)).toBe(before);
    expect(readdirSync(state).filter((n) => n.startsWith(`${basename(compact)}.`))).toEqual([]);
  });
});

describe("not a disk", () => {
  it("inspect and apply on a character device or a FIFO: a typed error (exit 3), nothing waits", async () => {
    const fifo = join(work, "fifo");
    spawnSync("mkfifo", [fifo]);
    const plan = join(work, "empty-plan.yaml");
    writeFileSync(plan, "version: 1\n");
    for (const target of ["/dev/null", "/dev/zero", fifo]) {
      const inspected = await cli("inspect", target);
      expect(inspected.code, target).toBe(ExitCode.badInput);
      expect(inspected.stderr).toContain("not-a-disk");
      const applied = await cli("apply", target, plan, "--backup-dir", work);
      expect(applied.code, `${target}: ${applied.stderr}`).toBe(ExitCode.badInput);
    }
  });
});
