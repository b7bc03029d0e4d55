/**
 * Is a block device in use by the kernel, so that writing under it would corrupt what it shows:
 * mounted (the device or one of its partitions; kernel filesystems and FUSE ones such as
 * ntfs-3g's fuseblk, which /proc/self/mountinfo lists with the device's major:minor and as
 * its source), held by device-mapper or md (LVM, dm-crypt, multipath, RAID: the kernel lists the
 * holders in /sys/dev/block/MAJ:MIN/holders and per partition), or used as swap (/proc/swaps).
 * Formats: proc_pid_mountinfo(5), sysfs-block ABI (Documentation/ABI/stable/sysfs-block).
 * Linux only; elsewhere the list is empty and the writer lock's exclusive open is the check.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { deviceNumbers } from "./device-numbers.js";

export interface DeviceUse {
  code: "device-mounted" | "device-held" | "device-swap";
  /** What uses it ("/dev/sdb1 is mounted on /mnt (ntfs3)"). */
  what: string;
  /** `what`, then what to do. */
  message: string;
}

function use(code: DeviceUse["code"], what: string, advice: string): DeviceUse {
  return { code, what, message: `${what}: ${advice}` };
}

interface Member {
  /** Kernel name (sdb, sdb1, loop0). */
  name: string;
  /** "major:minor". */
  key: string;
  sysDir?: string;
}

function numbersOf(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    if (!st.isBlockDevice()) return undefined;
    const { major, minor } = deviceNumbers(st.rdev);
    return `${major}:${minor}`;
  } catch {
    return undefined;
  }
}

/** The device and its partitions, from sysfs (only the device itself when /sys cannot tell). */
function members(key: string, sys: string): Member[] {
  let sysDir: string;
  try {
    sysDir = realpathSync(join(sys, "dev/block", key));
  } catch {
    return [{ name: key, key }];
  }
  const out: Member[] = [{ name: basename(sysDir), key, sysDir }];
  for (const entry of readdirSync(sysDir)) {
    const dir = join(sysDir, entry);
    if (!existsSync(join(dir, "partition"))) continue;
    try {
      out.push({ name: entry, key: readFileSync(join(dir, "dev"), "latin1").trim(), sysDir: dir });
    } catch {
      // went away meanwhile
    }
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as \\ooo. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function deviceUses(path: string, options: { sys?: string; proc?: string } = {}): DeviceUse[] {
  if (process.platform !== "linux") return [];
  const sys = options.sys ?? "/sys";
  const proc = options.proc ?? "/proc";
  const key = numbersOf(path);
  if (!key) return [];
  const all = members(key, sys);
  const byKey = new Map(all.map((member) => [member.key, member]));
  const which = (member: Member) => (member.key === key ? path : `its partition ${member.name}`);
  const uses: DeviceUse[] = [];
  let mountinfo = "";
  try {
    mountinfo = readFileSync(join(proc, "self/mountinfo"), "utf8");
  } catch {
    // no /proc: nothing to tell
  }
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const [fstype, source] = right.split(" ");
    const hit = byKey.get(fields[2] ?? "") ?? (source?.startsWith("/") ? byKey.get(numbersOf(source) ?? "") : undefined);
    if (hit) uses.push(use("device-mounted", `${which(hit)} is mounted on ${unescape(fields[4] ?? "?")} (${fstype})`, `unmount it first (umount ${unescape(fields[4] ?? "")}); writing under a mounted filesystem corrupts it`));
  }
  for (const member of all) {
    if (!member.sysDir) continue;
    let holders: string[] = [];
    try {
      holders = readdirSync(join(member.sysDir, "holders"));
    } catch {
      holders = [];
    }
    for (const holder of holders) {
      let dmName = "";
      try {
        dmName = readFileSync(join(sys, "class/block", holder, "dm/name"), "latin1").trim();
      } catch {
        dmName = "";
      }
      uses.push(use("device-held", `${which(member)} is held by ${holder}${dmName ? ` (device-mapper ${dmName})` : ""}`, "LVM, dm-crypt, multipath or RAID uses it; deactivate that first (vgchange -an, cryptsetup close, mdadm --stop)"));
    }
  }
  let swaps = "";
  try {
    swaps = readFileSync(join(proc, "swaps"), "utf8");
  } catch {
    swaps = "";
  }
  for (const line of swaps.split("\n").slice(1)) {
    const file = unescape(line.split(/\s+/)[0] ?? "");
    const hit = file.startsWith("/") ? byKey.get(numbersOf(file) ?? "") : undefined;
    if (hit) uses.push(use("device-swap", `${which(hit)} is in use as swap`, `swapoff ${file} first`));
  }
  return uses;
}
