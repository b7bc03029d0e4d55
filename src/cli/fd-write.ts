/**
 * Writing straight to a file descriptor for the fast command paths (fast-cat.ts,
 * fast-export.ts): process.stdout would load node:net and the streams, more start-up than a
 * small command's work.
 */
import { writeSync } from "node:fs";

/** Where a fast path writes: a file descriptor for standard output's bytes, a function for messages. */
export interface FastStreams {
  out: number;
  err: (text: string) => void;
}

export const standardStreams: FastStreams = { out: 1, err: (text) => void process.stderr.write(text) };

/** How a fast path reports a failure: main()'s words and exit code, never a stack trace unless P2VFIX_DEBUG=1. */
export const fastErrorMode = (): { debug: boolean; json: boolean } => ({ debug: process.env.P2VFIX_DEBUG === "1", json: false });

/** writeSync until every byte is taken; a non-blocking descriptor that is full is waited for. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** `p2vfix … | head`: the reader went away; that is not an error (as createOutput treats it). */
export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === "EPIPE";
}
