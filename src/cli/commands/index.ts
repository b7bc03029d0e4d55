import type { Command } from "commander";
import type { Output } from "../output.js";
import { registerReg } from "./reg.js";
import { registerVm } from "./vm.js";

/** Every command group registers here, one line each. */
export function registerCommands(program: Command, output: Output): void {
  registerReg(program, output);
  registerVm(program, output);
}
