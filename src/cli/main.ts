/**
 * The p2vfix command line. Each command group lives in its own module under ./commands and
 * registers itself on the program; this file only wires them and maps errors to exit codes.
 */
import { Command, CommanderError } from "commander";
import { ExitCode, P2vfixError } from "../errors.js";
import { registerCommands } from "./commands/index.js";
import { createOutput, type Output } from "./output.js";

export async function main(argv: string[], output: Output = createOutput()): Promise<number> {
  const program = new Command("p2vfix")
    .description("Prepare a Windows disk image after P2V/V2V for its first boot: offline, no helper VM.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.out(s),
      writeErr: (s) => output.err(s),
    })
    .showHelpAfterError(false);
  await registerCommands(program, output, argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return output.exitCode ?? ExitCode.ok;
  } catch (err) {
    return reportError(err, output);
  }
}

export const VERSION = "0.1.0";

function reportError(err: unknown, output: Output): number {
  if (err instanceof CommanderError) {
    // --help and --version exit 0 through here; commander has already printed the rest.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof P2vfixError) {
    output.err(`p2vfix: ${err.describe()}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  output.err(`p2vfix: internal error: ${e?.stack ?? String(err)}\n`);
  return ExitCode.failure;
}
