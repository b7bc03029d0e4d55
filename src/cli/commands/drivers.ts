/**
 * `p2vfix drivers list --from ISO|DIR|INF --for IMAGE`: which package of each driver fits the
 * image's Windows, and why (read-only).
 * `p2vfix drivers add IMAGE --from ISO|DIR|INF`: installs them offline (boot storage drivers
 * bound for the first boot, the others staged for Plug and Play) in one transaction of the safe
 * write path; `p2vfix undo IMAGE` puts the image back.
 */
import { undoCommand } from "../apply-run.js";
import type { Command } from "commander";
import type { TransactionReport } from "../../apply/index.js";
import { addDriversToImage, type DriversAddResult } from "../../drivers/install-image.js";
import { selectDrivers, targetOsOf, type DriverSelection } from "../../drivers/select.js";
import { openDriverSource } from "../../drivers/source.js";
import { loadWindows } from "../../windows/load.js";
import { formatBytes } from "../format.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter((x) => x !== "")];

function selectionJson(s: DriverSelection) {
  return {
    windows: s.osDescription,
    os: s.os,
    virtioOsDir: s.virtioOsDir,
    chosen: s.chosen.map((c) => ({
      driver: c.driver,
      inf: c.infPath,
      why: c.why,
      class: c.resolved.className ?? null,
      driverVer: c.resolved.driverVer ?? null,
      services: c.resolved.services.map((x) => ({ name: x.name, startType: x.startType })),
      hardwareIds: c.resolved.devices.flatMap((d) => d.hardwareIds),
      issues: c.resolved.issues,
    })),
    unmatched: s.unmatched,
  };
}

function selectionText(s: DriverSelection, verbose: boolean): string[] {
  const lines = [`image: ${s.osDescription}${s.virtioOsDir ? ` (virtio-win folder ${s.virtioOsDir})` : ""}`];
  for (const c of s.chosen) {
    const boot = c.resolved.services.some((x) => x.associated && x.startType === 0);
    lines.push(`  ${c.driver}: ${c.infPath} (${c.resolved.className ?? "no class"}, ${c.resolved.driverVer ?? "no DriverVer"}${boot ? ", boot start" : ""})`);
    lines.push(`    why: ${c.why}`);
    if (verbose) for (const i of c.resolved.issues) lines.push(`    note: ${i}`);
  }
  for (const u of s.unmatched) {
    lines.push(`  ${u.driver}: no package for this Windows`);
    for (const r of verbose ? u.reasons : u.reasons.slice(0, 2)) lines.push(`    ${r}`);
    if (!verbose && u.reasons.length > 2) lines.push(`    … ${u.reasons.length - 2} more (--verbose)`);
  }
  return lines;
}

function addText(r: TransactionReport<DriversAddResult>): string[] {
  const lines = selectionText(r.result.selection, false);
  for (const d of r.result.drivers) {
    lines.push(
      d.mode === "boot-storage"
        ? `installed ${d.driver}: service ${d.service} boot start, ${d.hardwareIds.length} hardware ids bound in ${d.binding}${d.packageId ? ` (driver store package ${d.packageId})` : ""}`
        : `staged ${d.driver} for Plug and Play at the first boot (DevicePath)`,
    );
  }
  for (const f of r.result.files.filter((x) => x.state !== "unchanged")) lines.push(`  file ${f.path} (${formatBytes(f.size)}${f.state === "replaced" ? ", replaced" : ""})`);
  for (const d of r.result.diff) lines.push(`  ${d.hive}\\${d.key}${d.name !== undefined ? ` ${d.name || "(default)"}` : ""}: ${d.action}${d.after !== undefined ? ` = ${d.after}` : ""}`);
  for (const n of r.result.notices) lines.push(`note: ${n}`);
  const changed = r.result.files.some((f) => f.state !== "unchanged") || r.result.diff.length > 0;
  if (r.dryRun) lines.push("dry run: nothing was written");
  else if (!changed) lines.push("nothing written: the drivers are already installed");
  else lines.push(`undo file: ${r.undoFile} (${undoCommand(r.image, r.undoFile)})`);
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
      let r: TransactionReport<DriversAddResult>;
      try {
        r = addDriversToImage(image, source, {
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
        const { selection, ...rest } = r.result;
        output.out(JSON.stringify({ image: r.image, dryRun: r.dryRun, undoFile: r.undoFile ?? null, bytesWritten: r.bytesWritten, selection: selectionJson(selection), ...rest }, null, 2) + "\n");
      } else output.out(addText(r).join("\n") + "\n");
    });
}
