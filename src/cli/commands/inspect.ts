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
import { readRunner, renderRunnerSummary } from "../firstboot-view.js";
import { parseTargetHypervisor } from "../hypervisors.js";
import type { Output } from "../output.js";

interface InspectOptions {
  target?: string;
  json?: boolean;
  allServices?: boolean;
  logs: boolean;
  partition?: number;
  failOn?: string;
}

/** Exit status of `inspect --fail-on LEVEL` when a finding reaches LEVEL (README: exit codes). */
export const FINDINGS_EXIT_CODE = 9;

export function registerInspect(program: Command, output: Output): void {
  program
    .command("inspect")
    .description("Report the Windows installation (version, control set, services, NICs and TCP/IP, NCSI, boot storage) and the findings for its first boot")
    .argument("<target>", "disk image, folder with SYSTEM/SOFTWARE[/BCD] hives (or .reg exports), mounted Windows root, or SYSTEM hive file")
    .option("--target <hypervisor>", `target hypervisor for the boot-storage and tools findings: ${TARGETS.join(", ")} (aliases such as Hyper-V, ESXi, Proxmox accepted)`)
    .option("--fail-on <level>", `for scripts: exit ${FINDINGS_EXIT_CODE} when a finding is at this level or worse (problem, or warning)`)
    .option("--json", "machine-readable report (schema: docs/inspect-schema.json)")
    .option("--all-services", "list every service and driver, not only the vendor-tagged ones")
    .option("--partition <n>", "disk image with several Windows installations: the partition to inspect", parsePartition)
    .option("--no-logs", "do not replay transaction logs found beside the hives")
    .addHelpText(
      "after",
      `
Examples:
  p2vfix inspect disk.vhdx --target hyperv             # findings for a Hyper-V first boot
  p2vfix inspect /mnt/win --json > report.json          # a mounted Windows root, as JSON
  p2vfix inspect disk.qcow2 --target kvm --fail-on problem || echo "needs fixing"`,
    )
    .action((target: string, opts: InspectOptions) => {
      if (opts.target !== undefined) opts.target = parseTargetHypervisor(opts.target);
      if (opts.failOn !== undefined && opts.failOn !== "problem" && opts.failOn !== "warning") {
        throw new UsageError("bad-fail-on", `--fail-on takes problem or warning, not ${JSON.stringify(opts.failOn)}`);
      }
      const partition = opts.partition;
      const loaded = loadWindows(target, { useLogs: opts.logs, ...(partition === undefined ? {} : { partition }) });
      let report;
      let runner;
      try {
        report = inspectWindows(loaded.hives, { ...loaded.options, ...(opts.target === undefined ? {} : { target: opts.target }) });
        runner = readRunner(loaded.hives.software);
      } finally {
        loaded.close();
      }
      if (opts.json) output.out(JSON.stringify(report, null, 2) + "\n");
      else {
        output.out(renderReport(report, { color: output.color, allServices: opts.allServices === true }));
        if (runner) output.out(`\n${renderRunnerSummary(runner)}`);
      }
      const levels = opts.failOn === "warning" ? ["problem", "warning"] : ["problem"];
      if (opts.failOn !== undefined && report.findings.some((finding) => levels.includes(finding.severity))) output.exitCode = FINDINGS_EXIT_CODE;
    });
}
