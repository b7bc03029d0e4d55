/**
 * How the CLI reports an error that is not commander's: a typed error (or a Node system error
 * mapped to one) as its sentence and exit code, anything else as an internal error. Shared by
 * main() and the fast `cat` path (fast-cat.ts), which loads no commander.
 */
import { ExitCode, P2vfixError } from "../errors.js";
import { toIoError } from "./io-errors.js";

export interface ErrorMode {
  debug: boolean;
  json: boolean;
}

/** Writes the error to `err` (stderr) and returns the exit code. */
export function reportFailure(err: unknown, write: (text: string) => void, mode: ErrorMode): number {
  const typed = err instanceof P2vfixError ? err : toIoError(err);
  if (typed) {
    if (mode.json) write(JSON.stringify({ error: errorJson(typed) }) + "\n");
    else write(`p2vfix: ${typed.describe()}\n`);
    if (mode.debug) write(`${(typed.cause as Error | undefined)?.stack ?? typed.stack}\n`);
    return typed.exitCode;
  }
  const error = err as Error;
  if (mode.json) write(JSON.stringify({ error: { code: "internal", message: `internal error (a bug: please report it): ${error?.message ?? String(err)}`, exitCode: ExitCode.failure, ...(mode.debug ? { stack: error?.stack } : {}) } }) + "\n");
  else write(`p2vfix: internal error (a bug: please report it with --debug's output): ${mode.debug ? (error?.stack ?? String(err)) : (error?.message ?? String(err))}\n`);
  return ExitCode.failure;
}

function errorJson(err: P2vfixError): Record<string, unknown> {
  return {
    code: err.code,
    message: err.message,
    exitCode: err.exitCode,
    ...(err.path === undefined ? {} : { path: err.path }),
    ...(err.line === undefined ? {} : { line: err.line }),
    ...(err.offset === undefined ? {} : { offset: err.offset }),
    ...(err.expected === undefined ? {} : { expected: err.expected }),
    ...(err.actual === undefined ? {} : { actual: err.actual }),
  };
}
