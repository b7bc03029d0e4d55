/**
 * A second thread for the write path of a large change. It hashes (a RangeHasher whose SHA-256
 * runs there: the main thread reads and compares the next piece of a change while the worker
 * hashes the one before) and fsyncs (the image's fsync runs there while the main thread reads
 * the written bytes back; both wait on the disk or the CPU, not on each other). The CLI is
 * synchronous, so the two share memory and Atomics, never the event loop:
 *
 * - `data`: SLOTS pieces of HASH_PIECE bytes in a SharedArrayBuffer; the change map reads new
 *   bytes straight into a slot (no copy) and hands the slot back (RELEASE) when it moves on; it
 *   waits (Atomics.wait) for a slot still being hashed. Memory: SLOTS pieces, whatever the change.
 * - `commands`: a ring of COMMANDS entries [op, a, b, 0] written by the main thread and consumed
 *   in order by the worker (UPDATE offset length, DIGEST, RELEASE slot, FSYNC fd); the main thread
 *   waits when it is full. `control` counts the entries written and consumed, and says how the
 *   last FSYNC went.
 * - digests come back in order as messages on a MessagePort, drained synchronously by
 *   receiveMessageOnPort once the worker has consumed everything (settle).
 *
 * A worker that fails sets FAILED and posts its error; one that dies without a word (killed,
 * out of memory) is noticed when nothing moves for `stallMs`. Either way the caller gets an
 * IoError and, since the undo file is published only after its header (with the digests) is
 * written, nothing is written. Worth starting only for a large change: it costs ~2.5 ms of the
 * main thread and ~30 ms of the other core before it hashes (measured on the bench machine).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { IoError } from "../errors.js";
import { HASH_PIECE, type RangeHasher } from "./range-hasher.js";

/** Pieces in flight: the main thread can run this far ahead of the worker. */
const SLOTS = 4;
/** Entries of the command ring: one per hash update, digest or released piece. */
const COMMANDS = 1024;
/** Indexes into `control`. SLOT_BUSY + k is 1 while piece k is filled or hashed. */
const WRITTEN = 0;
const CONSUMED = 1;
const FAILED = 2;
/** 0 while an FSYNC runs, 1 done, 2 failed (its error posted on the port). */
const FSYNC_STATE = 3;
const SLOT_BUSY = 4;
const OP_UPDATE = 1;
const OP_DIGEST = 2;
const OP_RELEASE = 3;
const OP_FSYNC = 4;
/** How long nothing may move before a silent worker counts as dead. */
const DEFAULT_STALL_MS = 30_000;
/** Each wait wakes this often to check for a failure. */
const WAIT_SLICE_MS = 50;

/** The worker: a CommonJS script run by `eval` (the bundled CLI and the tests load no file for it). */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { control, commands, data, port } = workerData;
let consumed = 0;
let hash;
try {
  for (;;) {
    while (Atomics.load(control, ${WRITTEN}) === consumed) Atomics.wait(control, ${WRITTEN}, consumed);
    const at = (consumed % ${COMMANDS}) * 4;
    const op = commands[at], a = commands[at + 1], b = commands[at + 2];
    if (op === ${OP_UPDATE}) (hash ??= createHash("sha256")).update(data.subarray(a, a + b));
    else if (op === ${OP_DIGEST}) {
      port.postMessage((hash ?? createHash("sha256")).digest("hex"));
      hash = undefined;
    } else if (op === ${OP_RELEASE}) {
      Atomics.store(control, ${SLOT_BUSY} + a, 0);
      Atomics.notify(control, ${SLOT_BUSY} + a);
    } else if (op === ${OP_FSYNC}) {
      let state = 1;
      try {
        require("node:fs").fsyncSync(a);
      } catch (err) {
        state = 2;
        port.postMessage({ fsyncError: String(err.message), code: err.code });
      }
      Atomics.store(control, ${FSYNC_STATE}, state);
      Atomics.notify(control, ${FSYNC_STATE});
    } else throw new Error("unknown command " + op);
    consumed++;
    Atomics.store(control, ${CONSUMED}, consumed);
    Atomics.notify(control, ${CONSUMED});
  }
} catch (err) {
  port.postMessage({ error: String((err && err.message) || err) });
  Atomics.store(control, ${FAILED}, 1);
  for (let i = 0; i < control.length; i++) Atomics.notify(control, i);
}
`;

export interface WriteWorkerOptions {
  /** Nothing moving for this long means the worker died (tests shorten it). */
  stallMs?: number;
  /** The worker's script (tests give one that fails); the real one by default. */
  source?: string;
}

export class WriteWorker implements RangeHasher {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * (SLOT_BUSY + SLOTS)));
  private readonly commands = new Int32Array(new SharedArrayBuffer(4 * 4 * COMMANDS));
  private readonly data = new Uint8Array(new SharedArrayBuffer(SLOTS * HASH_PIECE));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly stallMs: number;
  private written = 0;
  /** The slot handed out last, -1 before the first. */
  private slot = -1;
  /** Callbacks of the digests asked for and not yet received, oldest first. */
  private readonly waiting: Array<(hex: string) => void> = [];
  private failure: string | undefined;

  constructor(options: WriteWorkerOptions = {}) {
    this.stallMs = options.stallMs ?? DEFAULT_STALL_MS;
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = new Worker(options.source ?? WORKER_SOURCE, {
      eval: true,
      workerData: { control: this.control, commands: this.commands, data: this.data, port: channel.port2 },
      transferList: [channel.port2],
    });
    // Its errors are read from `control` and the port; an 'error' event left unheard would end the process later.
    this.worker.on("error", () => {});
    this.worker.unref();
  }

  nextPiece(): Uint8Array {
    if (this.slot >= 0) this.push(OP_RELEASE, this.slot, 0);
    const next = (this.slot + 1) % SLOTS;
    this.waitUntil(SLOT_BUSY + next, (value) => value === 0);
    Atomics.store(this.control, SLOT_BUSY + next, 1);
    this.slot = next;
    return this.data.subarray(next * HASH_PIECE, (next + 1) * HASH_PIECE);
  }

  update(bytes: Uint8Array): void {
    if (bytes.buffer !== this.data.buffer) throw new RangeError("WriteWorker.update: the bytes must be in the piece nextPiece() gave");
    if (bytes.length > 0) this.push(OP_UPDATE, bytes.byteOffset, bytes.length);
  }

  finish(done: (hex: string) => void): void {
    this.push(OP_DIGEST, 0, 0);
    this.waiting.push(done);
  }

  settle(): void {
    this.waitUntil(CONSUMED, (value) => value === this.written);
    for (let message; this.waiting.length > 0 && (message = receiveMessageOnPort(this.port)); ) {
      if (typeof message.message !== "string") this.fail((message.message as { error?: string }).error);
      this.waiting.shift()!(message.message);
    }
    if (this.waiting.length > 0) this.fail(`${this.waiting.length} digests asked for never came back`);
  }

  /**
   * Starts fsync(fd) on the worker; the function returned waits for it and throws its error as
   * fsyncSync would. Keep `fd` open until then. The wait has no stall limit: a large fsync to a
   * slow disk may take minutes, and the main thread would wait as long for its own.
   */
  fsync(fd: number): () => void {
    Atomics.store(this.control, FSYNC_STATE, 0);
    this.push(OP_FSYNC, fd, 0);
    return () => {
      this.waitUntil(FSYNC_STATE, (value) => value !== 0, Infinity);
      if (Atomics.load(this.control, FSYNC_STATE) === 1) return;
      for (let message; (message = receiveMessageOnPort(this.port)); ) {
        const { fsyncError, code } = message.message as { fsyncError?: string; code?: string };
        if (fsyncError !== undefined) throw Object.assign(new Error(fsyncError), { code, syscall: "fsync" });
      }
      this.fail("an fsync failed without saying why");
    };
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }

  /** Appends a command, waiting while the ring is full. */
  private push(op: number, a: number, b: number): void {
    this.waitUntil(CONSUMED, (value) => this.written - value < COMMANDS);
    const at = (this.written % COMMANDS) * 4;
    this.commands[at] = op;
    this.commands[at + 1] = a;
    this.commands[at + 2] = b;
    this.written++;
    Atomics.store(this.control, WRITTEN, this.written);
    Atomics.notify(this.control, WRITTEN);
  }

  /** Waits until `ready(control[index])`; throws when the worker failed or nothing moved for `stallMs`. */
  private waitUntil(index: number, ready: (value: number) => boolean, stallMs = this.stallMs): void {
    let lastConsumed = Atomics.load(this.control, CONSUMED);
    let since = Date.now();
    for (;;) {
      if (this.failure !== undefined || Atomics.load(this.control, FAILED)) this.fail(this.workerError());
      const value = Atomics.load(this.control, index);
      if (ready(value)) return;
      Atomics.wait(this.control, index, value, WAIT_SLICE_MS);
      const consumed = Atomics.load(this.control, CONSUMED);
      if (consumed !== lastConsumed) {
        lastConsumed = consumed;
        since = Date.now();
      } else if (Date.now() - since > stallMs) this.fail(`no progress for ${stallMs} ms (the thread died?)`);
    }
  }

  /** The error the worker posted, skipping the digests before it. */
  private workerError(): string | undefined {
    for (let message; (message = receiveMessageOnPort(this.port)); ) {
      const error = (message.message as { error?: unknown }).error;
      if (error !== undefined) return String(error);
    }
    return undefined;
  }

  private fail(why: string | undefined): never {
    this.failure ??= why ?? "it stopped";
    throw new IoError("write-worker-failed", `the worker thread hashing and syncing the write failed (${this.failure}); the image was left as it was (before the write: nothing written; during it: the original bytes put back), run the command again`);
  }
}
