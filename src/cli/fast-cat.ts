/**
 * `p2vfix cat IMAGE:PATH [--partition N]` without the rest of the command line: bin/p2vfix.js
 * runs this first for a `cat` and falls back to main() for anything it does not take (help,
 * --json, --debug, another option). A bare Node starts in ~30 ms and icat copies an 11 MiB
 * file in ~20: through main(), loading commander, the command modules and the output stream
 * cost more than the copy itself (~20 ms of CPU of ~70, bench/cat-pairs.mjs). The build
 * bundles this file (scripts/build-cli.mjs) with what it imports: the image stack, no
 * commander, no output streams (process.stdout, or node:tty, loads node:net and the streams).
 *
 * Same behaviour as the `cat` command in commands/disk.ts: both open and read through
 * file-in-image.ts; errors and exit codes are main()'s (report-error.ts); the bytes go to file
 * descriptor 1 in chunks read straight into one buffer.
 */
import { fileChunks, openFileInImage } from "./file-in-image.js";
import { fastErrorMode, type FastStreams, isBrokenPipe, standardStreams, writeAll } from "./fd-write.js";
import { reportFailure } from "./report-error.js";

/** The spec and partition of a plain `cat` command line, or undefined for anything else. */
export function plainCatArguments(argv: readonly string[]): { spec: string; partition?: number } | undefined {
  if (argv[0] !== "cat") return undefined;
  let spec: string | undefined;
  let partition: number | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === "--partition") value = argv[++i];
    else if (arg.startsWith("--partition=")) value = arg.slice("--partition=".length);
    else if (arg.startsWith("-") || spec !== undefined) return undefined;
    else {
      spec = arg;
      continue;
    }
    // A partition number as parsePartition takes it; main() words the error for anything else.
    if (value === undefined || value.trim() === "" || !Number.isInteger(Number(value)) || Number(value) < 0 || partition !== undefined) return undefined;
    partition = Number(value);
  }
  if (spec === undefined) return undefined;
  return partition === undefined ? { spec } : { spec, partition };
}

/**
 * Runs a plain `cat` and returns its exit code, or undefined when main() should run the
 * command line instead (see plainCatArguments).
 */
export function fastCat(argv: readonly string[], streams: FastStreams = standardStreams): number | undefined {
  const args = plainCatArguments(argv);
  if (!args) return undefined;
  try {
    const opened = openFileInImage(args.spec, args.partition);
    try {
      for (const chunk of fileChunks(opened.file)) writeAll(streams.out, chunk);
    } finally {
      opened.close();
    }
    return 0;
  } catch (err) {
    if (isBrokenPipe(err)) return 0;
    return reportFailure(err, streams.err, fastErrorMode());
  }
}
