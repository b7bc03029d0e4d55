/**
 * deviceUses over a made-up /sys and /proc (the layouts of sysfs-block and proc_pid_mountinfo(5)):
 * a partition mounted by its major:minor or by a FUSE source path, a device-mapper holder on a
 * partition, swap, and a device nothing uses. The device node itself is a real one made with
 * mknod (root), so its major:minor are read as for any device.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deviceUses } from "../../src/io/device-in-use.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-device-use-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mknod(name: string, major: number, minor: number): string | undefined {
  const path = join(work, name);
  return spawnSync("mknod", [path, "b", String(major), String(minor)]).status === 0 ? path : undefined;
}

/** sys/dev/block/8:16 → sys/devices/x/block/sdb with partitions sdb1 (8:17) and sdb2 (8:18); dm-0 holds sdb2. */
function fakeSys(): string {
  const sys = join(work, `sys-${Math.random().toString(36).slice(2)}`);
  const disk = join(sys, "devices/x/block/sdb");
  for (const [name, dev] of [["sdb1", "8:17"], ["sdb2", "8:18"]] as const) {
    mkdirSync(join(disk, name, "holders"), { recursive: true });
    writeFileSync(join(disk, name, "partition"), name.slice(-1));
    writeFileSync(join(disk, name, "dev"), `${dev}\n`);
  }
  mkdirSync(join(disk, "holders"));
  mkdirSync(join(disk, "queue"));
  writeFileSync(join(disk, "dev"), "8:16\n");
  mkdirSync(join(sys, "dev/block"), { recursive: true });
  symlinkSync(disk, join(sys, "dev/block/8:16"));
  return sys;
}

function fakeProc(mountinfo: string, swaps = "Filename\tType\tSize\tUsed\tPriority\n"): string {
  const proc = join(work, `proc-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(proc, "self"), { recursive: true });
  writeFileSync(join(proc, "self/mountinfo"), mountinfo);
  writeFileSync(join(proc, "swaps"), swaps);
  return proc;
}

const root = "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n";
const node = process.platform === "linux" ? mknod("sdb", 8, 16) : undefined;
const part2 = process.platform === "linux" ? mknod("sdb2", 8, 18) : undefined;

describe.skipIf(!node || !part2)("deviceUses", () => {
  it("nothing mounted, held or swapped: no use", () => {
    expect(deviceUses(node!, { sys: fakeSys(), proc: fakeProc(root) })).toEqual([]);
  });

  it("a partition mounted (kernel filesystem, by major:minor; mount point with a space)", () => {
    const uses = deviceUses(node!, { sys: fakeSys(), proc: fakeProc(`${root}40 22 8:17 / /mnt/win\\040c rw - ntfs3 /dev/sdb1 rw\n`) });
    expect(uses).toEqual([{ code: "device-mounted", what: "its partition sdb1 is mounted on /mnt/win c (ntfs3)", message: expect.stringContaining("umount /mnt/win c") }]);
  });

  it("a FUSE mount named by its source device (fuseblk with another major:minor)", () => {
    const uses = deviceUses(node!, { sys: fakeSys(), proc: fakeProc(`${root}41 22 0:55 / /mnt/w rw - fuseblk ${part2} rw\n`) });
    expect(uses.map((u) => u.code)).toEqual(["device-mounted"]);
    expect(uses[0]!.message).toContain("sdb2 is mounted on /mnt/w (fuseblk)");
  });

  it("the whole device mounted, a holder on a partition, and swap", () => {
    const sys = fakeSys();
    mkdirSync(join(sys, "devices/x/block/sdb/sdb2/holders/dm-0"));
    mkdirSync(join(sys, "class/block/dm-0/dm"), { recursive: true });
    writeFileSync(join(sys, "class/block/dm-0/dm/name"), "vg0-lv\n");
    const uses = deviceUses(node!, { sys, proc: fakeProc(`${root}42 22 8:16 / /data rw - xfs /dev/sdb rw\n`, `Filename\tType\tSize\tUsed\tPriority\n${part2}\tpartition\t1024\t0\t-2\n`) });
    expect(uses.map((u) => u.code)).toEqual(["device-mounted", "device-held", "device-swap"]);
    expect(uses[0]!.message).toContain(`${node} is mounted on /data (xfs)`);
    expect(uses[1]!.message).toContain("its partition sdb2 is held by dm-0 (device-mapper vg0-lv)");
    expect(uses[2]!.message).toContain(`swapoff ${part2}`);
  });

  it("without sysfs, the device itself is still checked against the mounts", () => {
    const uses = deviceUses(node!, { sys: join(work, "no-sys"), proc: fakeProc(`${root}43 22 8:16 / /data rw - xfs /dev/sdb rw\n`) });
    expect(uses.map((u) => u.code)).toEqual(["device-mounted"]);
  });
});
