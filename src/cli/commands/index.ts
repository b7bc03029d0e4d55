import type { Command } from "commander";
import type { Output } from "../output.js";

type Register = (program: Command, output: Output) => void;

interface CommandModule {
  /** Top-level command names the module registers. */
  names: string[];
  /** Sub-commands it adds to a group another module creates (loaded only for those, or for help). */
  subcommands?: string[];
  load: () => Promise<Register>;
}

/**
 * Every command module, with the top-level names it registers. Modules are imported only
 * when their command runs: loading them all costs more start-up time than a small job takes.
 */
const modules: CommandModule[] = [
  { names: ["apply"], load: async () => (await import("./apply.js")).registerApply },
  { names: ["disk", "ls", "cat", "cp"], load: async () => (await import("./disk.js")).registerDisk },
  { names: ["inspect"], load: async () => (await import("./inspect.js")).registerInspect },
  { names: ["plan"], load: async () => (await import("./plan.js")).registerPlan },
  { names: ["reg"], load: async () => (await import("./reg.js")).registerReg },
  {
    names: ["reg"],
    subcommands: ["set", "delete", "import", "new", "compact", "check"],
    load: async () => (await import("./reg-write.js")).registerRegWrite,
  },
  { names: ["report"], load: async () => (await import("./report.js")).registerReport },
  { names: ["undo"], load: async () => (await import("./undo.js")).registerUndo },
  { names: ["vm"], load: async () => (await import("./vm.js")).registerVm },
  { names: ["mkdir", "rm"], load: async () => (await import("./image-files.js")).registerImageFiles },
  { names: ["console"], load: async () => (await import("./console.js")).registerConsole },
  { names: ["fix"], load: async () => (await import("./fix.js")).registerFix },
  { names: ["unlock"], load: async () => (await import("./unlock.js")).registerUnlock },
  { names: ["firstboot"], load: async () => (await import("./firstboot.js")).registerFirstboot },
  { names: ["drivers"], load: async () => (await import("./drivers.js")).registerDrivers },
  { names: ["batch"], load: async () => (await import("./batch.js")).registerBatch },
];

/**
 * Registers the modules that `argv` needs: the one owning its first word, none for
 * `--version`, or all of them otherwise (help, an unknown command).
 */
export async function registerCommands(program: Command, output: Output, argv: readonly string[] = []): Promise<void> {
  const first = argv.find((arg) => !arg.startsWith("-"));
  // `p2vfix --version` needs no command at all.
  if (first === undefined && argv.some((arg) => arg === "-V" || arg === "--version")) return;
  const words = argv.filter((arg) => !arg.startsWith("-"));
  const sub = words[1];
  const wanted = modules.filter(
    (commandModule) => first !== undefined && commandModule.names.includes(first) && (!commandModule.subcommands || sub === undefined || sub === "help" || commandModule.subcommands.includes(sub)),
  );
  for (const commandModule of wanted.length > 0 ? wanted : modules) (await commandModule.load())(program, output);
}
