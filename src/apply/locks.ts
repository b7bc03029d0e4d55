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
 * inside; O_NOFOLLOW too, so a symlink planted at that name is never followed). Another p2vfix
 * finding it refuses, unless the pid it names is gone on this host (a killed writer): that
 * stale lock is renamed aside and checked to be the file read before it is removed, so a lock
 * taken meanwhile by a third process survives. A write that fails (a full disk) removes its
 * own empty lock. The CLI takes the lock before reading the image; the transaction taking it
 * again in the same process nests.
 *
 * A block device: the lock file lives in its --backup-dir (sidecar-folder.ts), and while the
 * lock is held the device is also open with O_EXCL (claimDevice); in use means mounted (it or a
 * partition), held by device-mapper/md, or swap (io/device-in-use.ts).
 */
import { closeSync, constants, existsSync, fstatSync, fsyncSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { RefusedError } from "../errors.js";
import { deviceNumbers } from "../io/device-numbers.js";
import { isBlockDevicePath } from "../io/node-kind.js";
import { findDependentChildren } from "./children.js";
import { deviceUses } from "../io/device-in-use.js";
import { ensureSidecarFolder, sidecarFolder, sidecarPath } from "./sidecar-folder.js";
import { takeProcLocksReadAhead } from "./proc-locks-ahead.js";

export interface InUseFinding {
  code: string;
  message: string;
  path: string;
}

/** How /proc/locks prints st_dev (hex major:minor). */
export { deviceNumbers };

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
    const tokens = line.trim().split(/\s+/).filter((token) => token !== "->");
    const where = tokens.findIndex((token) => /^[0-9a-f]+:[0-9a-f]+:\d+$/i.test(token));
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
  return parseProcLocks(takeProcLocksReadAhead(procLocks) ?? readFileSync(procLocks, "utf8")).filter((procLock) => procLock.inode === st.ino && procLock.major === major && procLock.minor === minor);
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
  const devices = files.filter((file) => isBlockDevicePath(file));
  // A block device: mounted, held by device-mapper or md, swap. Its folder (/dev) holds no hypervisor's files.
  for (const device of devices) for (const use of deviceUses(device)) findings.push({ code: use.code, message: use.message, path: device });
  const dirs = new Set(files.filter((file) => !devices.includes(file)).map((file) => dirname(file)));
  for (const dir of dirs) {
    for (const name of siblings(dir)) {
      const lower = name.toLowerCase();
      const path = join(dir, name);
      if (lower.endsWith(".vmx.lck") || files.some((file) => dirname(file) === dir && lower === `${basename(file).toLowerCase()}.lck`)) {
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
    for (const procLock of held) {
      // Our own process holds none (p2vfix never locks with fcntl/flock), so any lock is someone else's.
      const who = procLock.pid > 0 ? `process ${procLock.pid}` : "a process (OFD lock: qemu, libvirt, Proxmox)";
      findings.push({ code: "file-locked", message: `${file} is locked by ${who} (${procLock.kind} ${procLock.access}): a VM or qemu tool has it open`, path: file });
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
  const children = files.length && !isBlockDevicePath(files[0]) ? findDependentChildren(files[0]) : [];
  if (children.length) {
    throw new RefusedError(
      "image-has-children",
      `${children.map((child) => `${child.path} (${child.kind}) is a differencing disk or snapshot based on ${files[0]}`).join("; ")}: writing the parent would corrupt what the child shows. Merge the chain first (delete or apply the checkpoint/snapshot, qemu-img commit), or write the child instead`,
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
  throw new RefusedError(`image-in-use:${first.code}`, `${findings.map((finding) => finding.message).join("; ")}: ${advice}`, { path: first.path });
}

export interface WriterLock {
  path: string;
  release(): void;
}

/** `IMAGE.p2vfix.lock`; a block device's in its folder (sidecar-folder.ts), `folder` being required then. */
export function writerLockPath(imagePath: string, folder?: string): string {
  return sidecarPath(imagePath, ".p2vfix.lock", folder);
}

/**
 * Whether process `pid` still runs. A process killed while its parent was killed too (a whole
 * wave or pod) stays a zombie until something reaps it, and signal 0 still reaches a zombie:
 * on Linux its state in /proc/PID/stat ("Z", or "X" while it goes) says it is gone.
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return false; // no /proc (macOS, Windows) or the process is gone now: signal 0 decided
  }
  // "PID (COMMAND) STATE ...": the command may hold spaces and parentheses, the state follows the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** O_NOFOLLOW where the platform has it (not on Windows): a planted symlink is never opened. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** What a lock file says about its owner. */
export interface LockInfo {
  path: string;
  /** "live": its writer runs; "other-host": it cannot be checked from here; "stale": the writer is gone; "empty": no owner written; "not-a-file": a symlink or folder p2vfix did not make. */
  state: "live" | "other-host" | "stale" | "empty" | "not-a-file";
  pid?: number;
  host?: string;
  time?: string;
  /** Inode of the lock file read, so a takeover removes that file and no newer one. */
  ino?: bigint;
}

/** Reads the lock file of `imagePath` without following a symlink; undefined when there is none. */
export function readWriterLock(imagePath: string, folder?: string): LockInfo | undefined {
  const path = writerLockPath(imagePath, folder);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") return { path, state: "not-a-file" };
    throw err;
  }
  let text: string;
  let ino: bigint;
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) return { path, state: "not-a-file" };
    ino = st.ino;
    const buf = Buffer.alloc(512);
    text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
  const pid = Number(/^pid=(\d+)$/m.exec(text)?.[1]);
  const host = /^host=(.*)$/m.exec(text)?.[1];
  const time = /^time=(.*)$/m.exec(text)?.[1];
  if (!Number.isSafeInteger(pid) || pid <= 0) return { path, state: "empty", ino };
  const info = { path, pid, ino, ...(host === undefined ? {} : { host }), ...(time === undefined ? {} : { time }) };
  if (host !== undefined && host !== hostname()) return { ...info, state: "other-host" };
  return { ...info, state: processAlive(pid) ? "live" : "stale" };
}

/** One sentence for a person: who holds the lock and what to do. */
export function describeLock(imagePath: string, info: LockInfo): string {
  const unlock = `p2vfix unlock ${shellQuote(imagePath)}${isBlockDevicePath(imagePath) ? ` --backup-dir ${shellQuote(dirname(info.path))}` : ""}`;
  switch (info.state) {
    case "live":
      return `another p2vfix (process ${info.pid}, since ${info.time ?? "an unknown time"}) is writing ${imagePath}: wait for it to finish`;
    case "other-host":
      return `p2vfix on host ${info.host} (process ${info.pid}, since ${info.time ?? "an unknown time"}) holds ${info.path}: wait for it to finish; if that process is gone, \`${unlock} --force\` removes the lock`;
    case "stale":
      return `${info.path} names process ${info.pid} on this host, which is gone: the lock is stale and the next write takes it over`;
    case "empty":
      return `${info.path} names no owner (a p2vfix stopped before writing its PID, e.g. on a full disk): if no p2vfix is running on ${imagePath}, \`${unlock} --force\` removes it`;
    case "not-a-file":
      return `${info.path} is not a lock file p2vfix made (a symlink or folder): remove it yourself after checking what it is`;
  }
}

/** A path as a POSIX shell word: left alone when it is plain, single-quoted otherwise. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Locks this process holds, by lock path: taking one again (the CLI, then the transaction) nests. `claim`: a device's exclusive open. */
const held = new Map<string, { count: number; claim?: number }>();

/** Removes a stale lock file: renamed aside first, so a lock another process took meanwhile is put back, never removed. */
function takeOver(info: LockInfo): void {
  const aside = `${info.path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(info.path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // someone else took it over first
    throw err;
  }
  const moved = lstatSync(aside, { bigint: true });
  if (moved.ino !== info.ino) {
    // A new lock appeared between the read and the rename: give it back (link never replaces).
    try {
      linkSync(aside, info.path);
    } catch {
      // The path is taken again: that holder wins; ours is the one aside.
    }
  }
  unlinkSync(aside);
}

/** One holder's handle: the lock file goes when the last holder in this process releases. */
function handle(path: string, key: string, entry: { count: number; claim?: number }): WriterLock {
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      if (--entry.count > 0) return;
      held.delete(key);
      if (entry.claim !== undefined) closeSync(entry.claim);
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}

/** Takes the writer lock (see the module comment); refuses while another live writer holds it. */
export function acquireWriterLock(imagePath: string, folder?: string): WriterLock {
  const path = writerLockPath(imagePath, folder);
  ensureSidecarFolder(sidecarFolder(imagePath, folder));
  const key = resolve(path);
  const mine = held.get(key);
  if (mine) {
    mine.count++;
    return handle(path, key, mine);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NOFOLLOW, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const info = readWriterLock(imagePath, folder);
      if (info === undefined) continue; // released meanwhile
      if (info.state !== "stale") throw new RefusedError("image-locked", `${imagePath} is in use: ${describeLock(imagePath, info)}`, { path });
      takeOver(info);
      continue;
    }
    try {
      writeSync(fd, `pid=${process.pid}\nhost=${hostname()}\ntime=${new Date().toISOString()}\n`);
      fsyncSync(fd);
    } catch (err) {
      // A full disk: leave no empty lock behind to block the next run.
      closeSync(fd);
      unlinkSync(path);
      throw err;
    }
    closeSync(fd);
    let claim: number | undefined;
    try {
      claim = claimDevice(imagePath);
    } catch (err) {
      unlinkSync(path);
      throw err;
    }
    const entry = { count: 1, ...(claim === undefined ? {} : { claim }) };
    held.set(key, entry);
    return handle(path, key, entry);
  }
  throw new RefusedError("image-locked", `could not take the lock ${path}: other p2vfix processes keep taking it; try again`, { path });
}

/**
 * A block device is also held open with O_EXCL while the lock is held (Linux): the kernel then
 * refuses a second exclusive open (another p2vfix, whatever folder it keeps its lock in), a
 * mount, and LVM/md/dm-crypt taking it, with EBUSY, and fails this open the same way when one
 * of them holds it now (open(2), "O_EXCL ... block device"). The claim ends with the process,
 * so a killed writer leaves none behind. Elsewhere undefined: the lock file is the lock.
 */
function claimDevice(imagePath: string): number | undefined {
  if (process.platform !== "linux" || !isBlockDevicePath(imagePath)) return undefined;
  try {
    return openSync(imagePath, constants.O_RDONLY | constants.O_EXCL);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EBUSY") throw err;
    // Say what holds it where the kernel tells (a mount, a holder); else it is another exclusive opener.
    const uses = deviceUses(imagePath);
    if (uses.length) throw new RefusedError(`image-in-use:${uses[0]!.code}`, uses.map((use) => use.message).join("; "), { path: imagePath, cause: err });
    throw new RefusedError(
      "image-in-use:device-claimed",
      `${imagePath} is in use: the kernel refuses an exclusive open (it, or one of its partitions, is mounted, held by LVM, dm-crypt or md, or another p2vfix is writing it): unmount or deactivate it, or wait for that p2vfix, and run again`,
      { path: imagePath, cause: err },
    );
  }
}

/** `p2vfix unlock`: removes a lock whose owner is gone (or, with force, one that names no owner or another host). */
export function removeWriterLock(imagePath: string, force: boolean, folder?: string): LockInfo | undefined {
  const info = readWriterLock(imagePath, folder);
  if (info === undefined) return undefined;
  const removable = info.state === "stale" || (force && (info.state === "empty" || info.state === "other-host"));
  if (!removable) throw new RefusedError("image-locked", describeLock(imagePath, info), { path: info.path });
  takeOver(info);
  return info;
}
