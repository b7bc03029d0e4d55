/**
 * `p2vfix drivers list --from ISO|DIR|INF --for IMAGE`: which package of each driver fits the
 * image's Windows, and why (read-only).
 * `p2vfix drivers add IMAGE --from ISO|DIR|INF`: installs them offline (boot storage drivers
 * bound for the first boot, the others staged for Plug and Play) in one transaction of the safe
 * write path; `p2vfix undo IMAGE` puts the image back.
 */
import { undoCommand } from "../undo-command.js";
import type { Command } from "commander";
import type { TransactionReport } from "../../apply/index.js";
import { addDriversToImage, type DriversAddResult } from "../../drivers/install-image.js";
import { selectDrivers, targetOsOf, type DriverSelection } from "../../drivers/select.js";
import { openDriverSource } from "../../drivers/source.js";
import { loadWindows } from "../../windows/load.js";
import { formatBytes } from "../format.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

const list = (value: string, prev: string[] = []) => [...prev, ...value.split(",").filter((name) => name !== "")];

function selectionJson(driverSelection: DriverSelection) {
  return {
    windows: driverSelection.osDescription,
    os: driverSelection.os,
    virtioOsDir: driverSelection.virtioOsDir,
    chosen: driverSelection.chosen.map((driverChoice) => ({
      driver: driverChoice.driver,
      inf: driverChoice.infPath,
      why: driverChoice.why,
      class: driverChoice.resolved.className ?? null,
      driverVer: driverChoice.resolved.driverVer ?? null,
      services: driverChoice.resolved.services.map((service) => ({ name: service.name, startType: service.startType })),
      hardwareIds: driverChoice.resolved.devices.flatMap((device) => device.hardwareIds),
      issues: driverChoice.resolved.issues,
    })),
    unmatched: driverSelection.unmatched,
  };
}

function selectionText(driverSelection: DriverSelection, verbose: boolean): string[] {
  const lines = [`image: ${driverSelection.osDescription}${driverSelection.virtioOsDir ? ` (virtio-win folder ${driverSelection.virtioOsDir})` : ""}`];
  for (const driverChoice of driverSelection.chosen) {
    const boot = driverChoice.resolved.services.some((service) => service.associated && service.startType === 0);
    lines.push(`  ${driverChoice.driver}: ${driverChoice.infPath} (${driverChoice.resolved.className ?? "no class"}, ${driverChoice.resolved.driverVer ?? "no DriverVer"}${boot ? ", boot start" : ""})`);
    lines.push(`    why: ${driverChoice.why}`);
    if (verbose) for (const issue of driverChoice.resolved.issues) lines.push(`    note: ${issue}`);
  }
  for (const unmatched of driverSelection.unmatched) {
    lines.push(`  ${unmatched.driver}: no package for this Windows`);
    for (const reason of verbose ? unmatched.reasons : unmatched.reasons.slice(0, 2)) lines.push(`    ${reason}`);
    if (!verbose && unmatched.reasons.length > 2) lines.push(`    … ${unmatched.reasons.length - 2} more (--verbose)`);
  }
  return lines;
}

function addText(report: TransactionReport<DriversAddResult>): string[] {
  const lines = selectionText(report.result.selection, false);
  for (const plannedDriver of report.result.drivers) {
    lines.push(
      plannedDriver.mode === "boot-storage"
        ? `installed ${plannedDriver.driver}: service ${plannedDriver.service} boot start, ${plannedDriver.hardwareIds.length} hardware ids bound in ${plannedDriver.binding}${plannedDriver.packageId ? ` (driver store package ${plannedDriver.packageId})` : ""}`
        : `staged ${plannedDriver.driver} for Plug and Play at the first boot (DevicePath)`,
    );
  }
  for (const file of report.result.files.filter((fileResult) => fileResult.state !== "unchanged")) lines.push(`  file ${file.path} (${formatBytes(file.size)}${file.state === "replaced" ? ", replaced" : ""})`);
  for (const diffEntry of report.result.diff) lines.push(`  ${diffEntry.hive}\\${diffEntry.key}${diffEntry.name !== undefined ? ` ${diffEntry.name || "(default)"}` : ""}: ${diffEntry.action}${diffEntry.after !== undefined ? ` = ${diffEntry.after}` : ""}`);
  for (const notice of report.result.notices) lines.push(`note: ${notice}`);
  const changed = report.result.files.some((file) => file.state !== "unchanged") || report.result.diff.length > 0;
  if (report.dryRun) lines.push("dry run: nothing was written");
  else if (!changed) lines.push("nothing written: the drivers are already installed");
  else lines.push(`undo file: ${report.undoFile} (${undoCommand(report.image, report.undoFile)})`);
  return lines;
}

export function registerDrivers(program: Command, output: Output): void {
  const drivers = program.command("drivers").description("Driver packages (virtio-win ISO, VMware Tools, any INF folder) for an image's Windows");

  drivers
    .command("list")
    .description("Show which package of each driver fits the image's Windows, and why (reads only)")
    .requiredOption("--from <source>", "ISO image, folder or .inf file")
    .requiredOption("--for <image>", "disk image, mounted Windows root or folder of hives")
    .option("--partition <n>", "partition of the Windows installation", parsePartition)
    .option("--driver <names>", "only these drivers (comma-separated, repeatable)", list)
    .option("--verbose", "every reason a package was passed over, and the INF notes")
    .option("--json", "JSON output")
    .action((opts: { from: string; for: string; partition?: number; driver?: string[]; verbose?: boolean; json?: boolean }) => {
      const loaded = loadWindows(opts.for, opts.partition === undefined ? {} : { partition: opts.partition });
      let selection: DriverSelection;
      const source = openDriverSource(opts.from);
      try {
        const os = targetOsOf(loaded.hives.system, loaded.hives.software, opts.for);
        selection = selectDrivers(source, os, opts.driver);
      } finally {
        source.close();
        loaded.close();
      }
      output.out(opts.json ? JSON.stringify(selectionJson(selection), null, 2) + "\n" : selectionText(selection, Boolean(opts.verbose)).join("\n") + "\n");
    });

  drivers
    .command("add")
    .description("Install the drivers that fit the image's Windows, offline: boot storage drivers bound for the first boot, others staged for Plug and Play. Undo with `p2vfix undo IMAGE`.")
    .argument("<image>", "disk image")
    .requiredOption("--from <source>", "ISO image, folder or .inf file")
    .option("--driver <names>", "only these drivers (comma-separated, repeatable)", list)
    .option("--replace", "overwrite a driver file the image has with other bytes (the undo file keeps it)")
    .option("--partition <n>", "partition of the Windows installation", parsePartition)
    .option("--dry-run", "check and report, write nothing")
    .option("--backup-dir <dir>", "folder for the undo file (default: beside the image); a block device needs it, and keeps its journal and lock there too")
    .option("--json", "JSON output")
    .action((image: string, opts: { from: string; driver?: string[]; replace?: boolean; partition?: number; dryRun?: boolean; backupDir?: string; json?: boolean }) => {
      const source = openDriverSource(opts.from);
      let report: TransactionReport<DriversAddResult>;
      try {
        report = addDriversToImage(image, source, {
          ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
          ...(opts.driver ? { only: opts.driver } : {}),
          ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
          replace: Boolean(opts.replace),
          dryRun: Boolean(opts.dryRun),
        });
      } finally {
        source.close();
      }
      if (opts.json) {
        const { selection, ...rest } = report.result;
        output.out(JSON.stringify({ image: report.image, dryRun: report.dryRun, undoFile: report.undoFile ?? null, bytesWritten: report.bytesWritten, selection: selectionJson(selection), ...rest }, null, 2) + "\n");
      } else output.out(addText(report).join("\n") + "\n");
    });
}
