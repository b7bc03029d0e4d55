import type { Command } from "commander";
import type { Output } from "../output.js";
import { registerApply } from "./apply.js";
import { registerDisk } from "./disk.js";
import { registerInspect } from "./inspect.js";
import { registerPlan } from "./plan.js";
import { registerReg } from "./reg.js";
import { registerReport } from "./report.js";
import { registerRegWrite } from "./reg-write.js";
import { registerUndo } from "./undo.js";
import { registerVm } from "./vm.js";

/** Every command group registers here, one line each. */
export function registerCommands(program: Command, output: Output): void {
  registerApply(program, output);
  registerDisk(program, output);
  registerInspect(program, output);
  registerPlan(program, output);
  registerReg(program, output);
  registerReport(program, output);
  registerRegWrite(program, output);
  registerUndo(program, output);
  registerVm(program, output);
}
