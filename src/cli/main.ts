/**
 * The p2vfix command line. Each command group lives in its own module under ./commands and
 * registers itself on the program; this file only wires them and maps errors to exit codes.
 */
import { Command, CommanderError } from "commander";
import { ExitCode, P2vfixError } from "../errors.js";
import { registerCommands } from "./commands/index.js";
import { toIoError } from "./io-errors.js";
import { createOutput, type Output } from "./output.js";

export async function main(argvIn: string[], output: Output = createOutput()): Promise<number> {
  // `--debug` anywhere: stack traces on errors. `--json`: errors as JSON on stderr too.
  const debug = argvIn.includes("--debug") || process.env.P2VFIX_DEBUG === "1";
  const argv = argvIn.filter((arg) => arg !== "--debug");
  const json = argv.includes("--json");
  const program = new Command("p2vfix")
    .description("Prepare a Windows disk image after P2V/V2V for its first boot: offline, no helper VM.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
      // With --json the error goes out once, as JSON (reportError).
      outputError: (text, write) => {
        if (!json) write(text);
      },
    })
    .showHelpAfterError(false)
    .addHelpText(
      "after",
      `
Examples:
  p2vfix fix disk.vhdx --target hyperv            # the whole job: inspect, plan, ask, apply, next steps
  p2vfix inspect disk.vmdk --target kvm           # what will break at the first boot
  p2vfix plan disk.qcow2 --vm newvm.vmx -o plan.yaml && p2vfix apply disk.qcow2 plan.yaml
  p2vfix report disk.vhdx                         # after the first boot: what the steps did
  p2vfix undo disk.vhdx                           # every byte back
Errors: --debug shows the stack trace; with --json they are JSON on stderr.`,
    );
  await registerCommands(program, output, argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return output.exitCode ?? ExitCode.ok;
  } catch (err) {
    return reportError(err, output, { debug, json });
  }
}

export const VERSION = "0.1.0";

function reportError(err: unknown, output: Output, mode: { debug: boolean; json: boolean }): number {
  if (err instanceof CommanderError) {
    // --help and --version exit 0 through here; commander has already printed the rest.
    if (err.exitCode === 0) return ExitCode.ok;
    if (mode.json) output.err(JSON.stringify({ error: { code: `usage:${err.code.replace(/^commander\./, "")}`, message: err.message.replace(/^error: /, ""), exitCode: ExitCode.usage } }) + "\n");
    return ExitCode.usage;
  }
  const typed = err instanceof P2vfixError ? err : toIoError(err);
  if (typed) {
    if (mode.json) output.err(JSON.stringify({ error: errorJson(typed) }) + "\n");
    else output.err(`p2vfix: ${typed.describe()}\n`);
    if (mode.debug) output.err(`${(typed.cause as Error | undefined)?.stack ?? typed.stack}\n`);
    return typed.exitCode;
  }
  const error = err as Error;
  if (mode.json) output.err(JSON.stringify({ error: { code: "internal", message: `internal error (a bug: please report it): ${error?.message ?? String(err)}`, exitCode: ExitCode.failure, ...(mode.debug ? { stack: error?.stack } : {}) } }) + "\n");
  else output.err(`p2vfix: internal error (a bug: please report it with --debug's output): ${mode.debug ? (error?.stack ?? String(err)) : (error?.message ?? String(err))}\n`);
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
