/**
 * Writing straight to a file descriptor for the fast command paths (fast-cat.ts,
 * fast-export.ts): process.stdout would load node:net and the streams, more start-up than a
 * small command's work.
 */
export { writeAll } from "../io/safe-file.js";

/** Where a fast path writes: a file descriptor for standard output's bytes, a function for messages. */
export interface FastStreams {
  out: number;
  err: (text: string) => void;
}

export const standardStreams: FastStreams = { out: 1, err: (text) => void process.stderr.write(text) };

/** How a fast path reports a failure: main()'s words and exit code, never a stack trace unless P2VFIX_DEBUG=1. */
export const fastErrorMode = (): { debug: boolean; json: boolean } => ({ debug: process.env.P2VFIX_DEBUG === "1", json: false });

/** `p2vfix … | head`: the reader went away; that is not an error (as createOutput treats it). */
export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === "EPIPE";
}
