/**
 * `p2vfix inspect TARGET [--target hyperv|vmware|kvm|xen] [--json] [--all-services] [--no-logs]`:
 * what is on the Windows installation and what will go wrong at its first boot.
 * TARGET: a disk image, a folder of hive files (SYSTEM, SOFTWARE, BCD or their .reg exports),
 * a mounted Windows root, or a single SYSTEM hive / .reg file. Exit code 0 even with findings.
 */
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { inspectWindows, TARGETS } from "../../windows/inspect.js";
import { loadWindows } from "../../windows/load.js";
import { renderReport } from "../../windows/report-text.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

interface InspectOptions {
  target?: string;
  json?: boolean;
  allServices?: boolean;
  logs: boolean;
  partition?: number;
}

export function registerInspect(program: Command, output: Output): void {
  program
    .command("inspect")
    .description("Report the Windows installation (version, control set, services, NICs and TCP/IP, NCSI, boot storage) and the findings for its first boot")
    .argument("<target>", "disk image, folder with SYSTEM/SOFTWARE[/BCD] hives (or .reg exports), mounted Windows root, or SYSTEM hive file")
    .option("--target <hypervisor>", `target hypervisor for the boot-storage and tools findings (${TARGETS.join(", ")})`)
    .option("--json", "machine-readable report (schema: docs/inspect-schema.json)")
    .option("--all-services", "list every service and driver, not only the vendor-tagged ones")
    .option("--partition <n>", "disk image with several Windows installations: the partition to inspect", parsePartition)
    .option("--no-logs", "do not replay transaction logs found beside the hives")
    .action((target: string, opts: InspectOptions) => {
      if (opts.target !== undefined && !(TARGETS as readonly string[]).includes(opts.target)) {
        throw new UsageError("bad-target", `--target must be one of ${TARGETS.join(", ")}, not ${JSON.stringify(opts.target)}`);
      }
      const partition = opts.partition;
      const loaded = loadWindows(target, { useLogs: opts.logs, ...(partition === undefined ? {} : { partition }) });
      let report;
      try {
        report = inspectWindows(loaded.hives, { ...loaded.options, ...(opts.target === undefined ? {} : { target: opts.target }) });
      } finally {
        loaded.close();
      }
      if (opts.json) output.out(JSON.stringify(report, null, 2) + "\n");
      else output.out(renderReport(report, { color: output.color, allServices: opts.allServices === true }));
    });
}
