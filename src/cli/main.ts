/**
 * The p2vfix command line. Each command group lives in its own module under ./commands and
 * registers itself on the program; this file only wires them and maps errors to exit codes.
 */
import { Command, CommanderError } from "commander";
import { readProcLocksAheadFor } from "../apply/proc-locks-ahead.js";
import { ExitCode } from "../errors.js";
import { registerCommands } from "./commands/index.js";
import { createOutput, type Output } from "./output.js";
import { reportFailure } from "./report-error.js";

export async function main(argvIn: string[], output: Output = createOutput()): Promise<number> {
  // `--debug` anywhere: stack traces on errors. `--json`: errors as JSON on stderr too.
  const debug = argvIn.includes("--debug") || process.env.P2VFIX_DEBUG === "1";
  const argv = argvIn.filter((arg) => arg !== "--debug");
  const json = argv.includes("--json");
  // Commands that write files into an image check first that no VM has it open: /proc/locks is
  // read on the thread pool meanwhile (apply/proc-locks-ahead.ts; bin/p2vfix.js has started it
  // already), and image-files.ts awaits it.
  readProcLocksAheadFor(argv[0]);
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
  return reportFailure(err, (text) => output.err(text), mode);
}
