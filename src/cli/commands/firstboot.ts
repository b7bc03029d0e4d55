/**
 * `p2vfix firstboot show TARGET [--ps1] [--json]`: the first-boot runner apply installed, and
 * its steps in run order with their scripts, as Windows will run them. TARGET: a disk image, a
 * mounted Windows root or a folder of hives.
 */
import type { Command } from "commander";
import { NotFoundError } from "../../errors.js";
import { loadWindows } from "../../windows/load.js";
import { readRunner, renderRunnerPs1, renderRunnerSummary } from "../firstboot-view.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

export function registerFirstboot(program: Command, output: Output): void {
  const group = program.command("firstboot").description("The first-boot runner installed in an image: what will run at its first boot");
  group
    .command("show")
    .description("Show the runner's state and its steps in run order, each with its script")
    .argument("<target>", "disk image, mounted Windows root, or folder of hives")
    .option("--ps1", "print the runner and every step's script as one PowerShell file to read")
    .option("--json", "machine-readable")
    .option("--partition <n>", "disk image with several Windows installations: the partition", parsePartition)
    .addHelpText(
      "after",
      `
Examples:
  p2vfix firstboot show disk.qcow2               # state, hooks and steps with their scripts
  p2vfix firstboot show disk.qcow2 --ps1 > firstboot.ps1`,
    )
    .action((target: string, opts: { ps1?: boolean; json?: boolean; partition?: number }) => {
      const loaded = loadWindows(target, opts.partition === undefined ? {} : { partition: opts.partition });
      let view;
      try {
        view = readRunner(loaded.hives.software);
      } finally {
        loaded.close();
      }
      if (!view) throw new NotFoundError("no-firstboot-runner", `${target} has no p2vfix first-boot runner (apply a plan with first-boot steps first)`, { path: target });
      if (opts.json) output.out(JSON.stringify(view, null, 2) + "\n");
      else if (opts.ps1) output.out(renderRunnerPs1(view));
      else {
        output.out(renderRunnerSummary(view));
        for (const step of view.steps) output.out(`\n---- ${step.key} ${step.id} (${step.shell}) ----\n${step.script.replace(/\r\n/g, "\n")}\n`);
      }
    });
}
