/**
 * Is the image in use by a hypervisor, and p2vfix's own writer lock.
 *
 * In use: VMware keeps `NAME.vmdk.lck` / `NAME.vmx.lck` lock folders (or files) beside a
 * running VM's files and `.vmss`/`.vmem` beside a suspended one; qemu (and so libvirt and
 * Proxmox) takes OFD byte-range locks on every image it opens, which Linux lists in
 * /proc/locks by device:inode; some tools leave a sibling `IMAGE.lock`; on Windows, Hyper-V
 * opens its disks exclusively, so opening the file for writing fails with EBUSY/EPERM.
 *
 * Writer lock: Node has no flock() without a native addon, so the substitute for an OS
 * advisory lock is a lock file `IMAGE.p2vfix.lock` created with O_EXCL (pid, host and time
 * inside). Another p2vfix finding it refuses, unless the pid it names is gone on this host
 * (a killed writer), in which case the stale lock is replaced.
 */
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { RefusedError } from "../errors.js";
import { findDependentChildren } from "./children.js";

export interface InUseFinding {
  code: string;
  message: string;
  path: string;
}

/** glibc's gnu_dev_major/gnu_dev_minor: how /proc/locks prints st_dev (hex major:minor). */
export function deviceNumbers(dev: bigint): { major: bigint; minor: bigint } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major, minor };
}

export interface ProcLock {
  kind: string;
  access: string;
  pid: number;
  major: bigint;
  minor: bigint;
  inode: bigint;
}

/** Parses /proc/locks lines ("1: OFDLCK ADVISORY READ -1 fd:01:1234 0 EOF"); waiters ("1: -> ...") included. */
export function parseProcLocks(text: string): ProcLock[] {
  const locks: ProcLock[] = [];
  for (const line of text.split("\n")) {
    const tokens = line.trim().split(/\s+/).filter((t) => t !== "->");
    const where = tokens.findIndex((t) => /^[0-9a-f]+:[0-9a-f]+:\d+$/i.test(t));
    if (where < 4) continue;
    const [maj, min, ino] = tokens[where].split(":");
    locks.push({
      kind: tokens[1],
      access: tokens[3],
      pid: Number(tokens[where - 1]),
      major: BigInt(`0x${maj}`),
      minor: BigInt(`0x${min}`),
      inode: BigInt(ino),
    });
  }
  return locks;
}

/** Locks held on `path` according to /proc/locks (Linux; empty elsewhere). */
export function locksOnFile(path: string, procLocks = "/proc/locks"): ProcLock[] {
  if (!existsSync(procLocks)) return [];
  const st = statSync(path, { bigint: true });
  const { major, minor } = deviceNumbers(st.dev);
  return parseProcLocks(readFileSync(procLocks, "utf8")).filter((l) => l.inode === st.ino && l.major === major && l.minor === minor);
}

function siblings(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Everything that says a VM has the image open. `files` are the image's host files (descriptor first). */
export function findInUse(files: readonly string[]): InUseFinding[] {
  const findings: InUseFinding[] = [];
  const dirs = new Set(files.map((f) => dirname(f)));
  for (const dir of dirs) {
    for (const name of siblings(dir)) {
      const lower = name.toLowerCase();
      const path = join(dir, name);
      if (lower.endsWith(".vmx.lck") || files.some((f) => dirname(f) === dir && lower === `${basename(f).toLowerCase()}.lck`)) {
        findings.push({ code: "vmware-lock", message: `VMware lock ${path} exists: the VM is running (or crashed without cleaning up)`, path });
      } else if (lower.endsWith(".vmss") || lower.endsWith(".vmem")) {
        findings.push({ code: "vmware-suspended", message: `${path} exists: the VM is suspended; its memory state still expects the old disk contents`, path });
      }
    }
  }
  for (const file of files) {
    const lockFile = `${file}.lock`;
    if (existsSync(lockFile)) findings.push({ code: "lock-file", message: `lock file ${lockFile} exists: another program has the image open`, path: lockFile });
    let held: ProcLock[] = [];
    try {
      held = locksOnFile(file);
    } catch {
      held = [];
    }
    for (const l of held) {
      // Our own process holds none (p2vfix never locks with fcntl/flock), so any lock is someone else's.
      const who = l.pid > 0 ? `process ${l.pid}` : "a process (OFD lock: qemu, libvirt, Proxmox)";
      findings.push({ code: "file-locked", message: `${file} is locked by ${who} (${l.kind} ${l.access}): a VM or qemu tool has it open`, path: file });
    }
    // Hyper-V (and anything else holding the file exclusively on Windows) makes this fail.
    try {
      closeSync(openSync(file, "r+"));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EBUSY" || (code === "EPERM" && process.platform === "win32")) {
        findings.push({ code: "exclusive-open", message: `${file} is open exclusively by another program (Hyper-V keeps the disks of a running VM open)`, path: file });
      } else {
        findings.push({ code: "not-writable", message: `${file} cannot be opened for writing: ${(err as Error).message}`, path: file });
      }
    }
  }
  return findings;
}

/** Refuses when findInUse finds anything, or when a differencing child depends on the image. */
export function refuseIfInUse(files: readonly string[]): void {
  const children = files.length ? findDependentChildren(files[0]) : [];
  if (children.length) {
    throw new RefusedError(
      "image-has-children",
      `${children.map((c) => `${c.path} (${c.kind}) is a differencing disk or snapshot based on ${files[0]}`).join("; ")}: writing the parent would corrupt what the child shows. Merge the chain first (delete or apply the checkpoint/snapshot, qemu-img commit), or write the child instead`,
      { path: children[0].path },
    );
  }
  const findings = findInUse(files);
  if (findings.length === 0) return;
  const first = findings[0];
  const advice =
    first.code === "not-writable"
      ? "check the file's permissions"
      : "shut the VM down (or stop the program holding the image) and run the command again; if nothing uses it, remove the stale lock yourself";
  throw new RefusedError(`image-in-use:${first.code}`, `${findings.map((f) => f.message).join("; ")}: ${advice}`, { path: first.path });
}

export interface WriterLock {
  path: string;
  release(): void;
}

export function writerLockPath(imagePath: string): string {
  return `${imagePath}.p2vfix.lock`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why an existing lock file still counts (undefined = stale: its writer is gone). */
function liveLockHolder(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(/^pid=(\d+)$/m.exec(text)?.[1]);
  const host = /^host=(.*)$/m.exec(text)?.[1];
  if (!Number.isSafeInteger(pid) || pid <= 0) return "an unreadable lock file";
  if (host !== undefined && host !== hostname()) return `process ${pid} on host ${host}`;
  return processAlive(pid) ? `process ${pid}` : undefined;
}

/** Takes the writer lock (see the module comment); refuses while another live writer holds it. */
export function acquireWriterLock(imagePath: string): WriterLock {
  const path = writerLockPath(imagePath);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = liveLockHolder(path);
      if (holder !== undefined) {
        throw new RefusedError("image-locked", `another p2vfix (${holder}) is writing ${imagePath} (lock ${path}); wait for it to finish, or remove the lock if that process is gone`, { path });
      }
      unlinkSync(path);
      continue;
    }
    writeSync(fd, `pid=${process.pid}\nhost=${hostname()}\ntime=${new Date().toISOString()}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      release: () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      },
    };
  }
  throw new RefusedError("image-locked", `could not take the lock ${path}`, { path });
}
