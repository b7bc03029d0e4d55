/**
 * /proc/locks read ahead. Its first read in a process waits ~10 ms in the kernel (fs/locks.c
 * takes a per-CPU rwsem for writing, which waits for an RCU grace period; a `cat` on an idle
 * machine does not wait, Node's busy worker threads make it wait: docs/write-path-profile.md).
 * A command that will check whether its image is in use starts the read at its start, as one
 * read on libuv's thread pool, and awaits it just before the check: the wait then overlaps the
 * command's own start-up. The check (locks.ts locksOnFile) takes the text once; any later check
 * reads /proc/locks again, as it would without this.
 *
 * bin/p2vfix.js starts it before it loads the command line, from a bundle of this module alone
 * (scripts/build-cli.mjs): the wait then overlaps the loading too (~10 ms). The command line's
 * bundle holds another copy of this module, so the read's state lives in one slot of the process
 * (PROCESS_SLOT), where every copy finds the read another one started.
 *
 * A few milliseconds old when used, which changes nothing: the check already runs before the
 * whole staging of a write, and a hypervisor starting after it is caught by nothing anyway.
 */
import { closeSync, openSync, read } from "node:fs";

const PROC_LOCKS = "/proc/locks";
/** One read of this much: /proc/locks is a line per lock; a fuller one is read again by the check. */
const READ_AHEAD_BYTES = 256 * 1024;
/** Commands that check whether their image is in use before they write (cli/commands/image-files.ts). */
const COMMANDS_THAT_CHECK = new Set(["cp", "mkdir", "rm"]);

/** The read started (once per process), and its text until the check takes it. */
interface ReadAhead {
  reading?: Promise<void>;
  text?: string;
}

const PROCESS_SLOT = Symbol.for("p2vfix.procLocksReadAhead");
const slots = globalThis as { [PROCESS_SLOT]?: ReadAhead };
const shared: ReadAhead = (slots[PROCESS_SLOT] ??= {});

/** Starts reading /proc/locks on the thread pool (Linux; once per process); resolves when it is read (or failed). */
export function readProcLocksAhead(): Promise<void> {
  if (shared.reading) return shared.reading;
  if (process.platform !== "linux") return Promise.resolve();
  let fd: number;
  try {
    fd = openSync(PROC_LOCKS, "r");
  } catch {
    return Promise.resolve();
  }
  const buffer = Buffer.allocUnsafe(READ_AHEAD_BYTES);
  shared.reading = new Promise((done) => {
    read(fd, buffer, 0, READ_AHEAD_BYTES, null, (err, bytesRead) => {
      closeSync(fd);
      // A full buffer may have more after it: leave it to the check's own read.
      if (!err && bytesRead < READ_AHEAD_BYTES) shared.text = buffer.toString("utf8", 0, bytesRead);
      done();
    });
  });
  return shared.reading;
}

/** readProcLocksAhead() when `command` (argv[0]) is one that checks whether its image is in use. */
export function readProcLocksAheadFor(command: string | undefined): void {
  if (command !== undefined && COMMANDS_THAT_CHECK.has(command)) void readProcLocksAhead();
}

/** The text read ahead for `path` (only /proc/locks), once; undefined when there is none (yet). */
export function takeProcLocksReadAhead(path: string): string | undefined {
  if (path !== PROC_LOCKS) return undefined;
  const taken = shared.text;
  shared.text = undefined;
  return taken;
}
