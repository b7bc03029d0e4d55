/**
 * `p2vfix reg export HIVE [KEY] [-o FILE] [--encoding utf16|utf8] [--prefix P] [--no-logs]` on
 * a hive file, without the rest of the command line: bin/p2vfix.js runs this first for a
 * `reg export` and falls back to main() for anything it does not take (an image, --json,
 * --partition, help, --debug, another option). Loading commander and the command modules was
 * ~25 ms of an export that hivexml and reged -x finish in ~200 (bench/regf-pairs.mjs).
 *
 * Same behaviour as the `reg export` command in commands/reg.ts (same warnings, errors, exit
 * codes); the chunks go to the file or to descriptor 1 as they are made.
 */
import { basename } from "node:path";
import { isHiveFile, openHiveFile, regExportBytes } from "../regf/internal.js";
import { findKey, staleNotes } from "./commands/reg.js";
import { fastErrorMode, type FastStreams, isBrokenPipe, standardStreams, writeAll } from "./fd-write.js";
import { reportFailure } from "./report-error.js";
import { writeOutputFile } from "../io/safe-file.js";

export interface PlainExport {
  hive: string;
  key: string;
  output?: string;
  encoding: "utf16" | "utf8";
  prefix?: string;
  logs: boolean;
}

const VALUE_OPTIONS = new Set(["-o", "--output", "--encoding", "--prefix"]);

/** The arguments of a plain `reg export` of a hive file, or undefined for anything else. */
export function plainExportArguments(argv: readonly string[], isHive: (path: string) => boolean = isHiveFile): PlainExport | undefined {
  if (argv[0] !== "reg" || argv[1] !== "export") return undefined;
  const positionals: string[] = [];
  const values = new Map<string, string>();
  let logs = true;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      const key = name === "-o" ? "--output" : name;
      if (value === undefined || values.has(key)) return undefined;
      values.set(key, value);
    } else if (arg === "--no-logs") logs = false;
    else if (arg.startsWith("-")) return undefined;
    else positionals.push(arg);
  }
  const encoding = values.get("--encoding") ?? "utf16";
  if (positionals.length < 1 || positionals.length > 2 || (encoding !== "utf16" && encoding !== "utf8") || !isHive(positionals[0])) return undefined;
  const output = values.get("--output");
  const prefix = values.get("--prefix");
  return { hive: positionals[0], key: positionals[1] ?? "", encoding, logs, ...(output === undefined ? {} : { output }), ...(prefix === undefined ? {} : { prefix }) };
}

/** Runs a plain `reg export` and returns its exit code, or undefined when main() should run it. */
export function fastExport(argv: readonly string[], streams: FastStreams = standardStreams): number | undefined {
  const args = plainExportArguments(argv);
  if (!args) return undefined;
  try {
    const hive = openHiveFile(args.hive, { useLogs: args.logs });
    for (const staleNote of staleNotes(hive, args)) streams.err(`p2vfix: warning: ${staleNote}\n`);
    const key = findKey(hive, args.key);
    const prefix = args.prefix ?? `HKEY_LOCAL_MACHINE\\${basename(args.hive).toUpperCase()}`;
    // Each chunk is written before the next is made, so one buffer serves them all.
    const chunks = regExportBytes(key, { prefix, encoding: args.encoding === "utf16" ? "utf16le" : "utf8", chunkSize: 1 << 20, reuseBuffer: true });
    if (args.output === undefined) for (const chunk of chunks) writeAll(streams.out, chunk);
    else writeOutputFile(args.output, chunks);
    return 0;
  } catch (err) {
    if (isBrokenPipe(err)) return 0;
    return reportFailure(err, streams.err, fastErrorMode());
  }
}
