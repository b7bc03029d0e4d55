/**
 * `applyPlan(target, plan)`: expand the plan against the target's hives, apply the changes in
 * memory (skipping those already in place), show the diff, then write:
 *  - hive files (a single SYSTEM hive, a folder of hives, a mounted Windows root): each changed
 *    hive through the regf writer's checked temp file + rename, the original kept as HIVE.bak;
 *  - a disk image: one transaction of the safe write path (src/apply: preflight, overlay,
 *    verify, undo file, journal);
 * and finally the VM definition's NIC link (vm-link.ts). Nothing is written when no change is
 * needed, so applying the same plan twice writes nothing the second time.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { hostFileKind } from "../image/host-file-kind.js";
import { hostTargetKind } from "../image/host-target.js";
import { join } from "node:path";
import { planFileOperations, writeFilesInImage } from "./image-files.js";
import { addDriversToImage } from "../drivers/install-image.js";
import { openDriverSource } from "../drivers/source.js";
import { writeHiveTargets, type HiveTarget, type TransactionReport, type WriteHivesOptions, type WrittenHive } from "../apply/index.js";
import { NotFoundError, PlanError, RefusedError } from "../errors.js";
import { editHive, saveHiveFile, type Hive, openHiveFile } from "../regf/internal.js";
import { readControlSets } from "../windows/control-sets.js";
import { loadWindows } from "../windows/load.js";
import { readString, type RegistryKey } from "../windows/registry.js";
import { applyRegistryChanges, type DiffEntry } from "../changes/apply-registry-changes.js";
import type { HiveName } from "../changes/change.js";
import { expandPlan, type ExpandedPlan } from "./expand.js";
import type { PlanFile } from "./schema.js";
import { applyVmLink, type VmLinkOutcome } from "./vm-link.js";

export interface ApplyOptions {
  dryRun?: boolean;
  /** Hive files: keep the original as HIVE.bak (default true). */
  backup?: boolean;
  /** Images: the safe write path's options (undo file folder, partition, NTFS rewriter for tests). */
  image?: WriteHivesOptions;
}

export interface ApplyReport {
  target: string;
  kind: "hive-files" | "image";
  dryRun: boolean;
  diff: DiffEntry[];
  expanded: ExpandedPlan;
  /** Hive files written (host paths) or hives written in the image. */
  written: string[];
  backups: string[];
  undoFile?: string;
  image?: TransactionReport<WrittenHive[]>;
  vm?: VmLinkOutcome;
  /** The plan's `files:` as copied (or, in a dry run, as they would be): one line per file. */
  files?: string[];
  /** Undo file of the `files:` copy (a second transaction after the registry's). */
  filesUndoFile?: string;
  /** The plan's `drivers:` as installed (or, in a dry run, as they would be): one line per driver. */
  drivers?: string[];
  /** Undo file of the drivers install (its own transaction, after the files'). */
  driversUndoFile?: string;
}

const HIVE_ORDER: HiveName[] = ["SYSTEM", "SOFTWARE", "DEFAULT", "SAM", "SECURITY", "BCD"];

/** Host hive files of a target: a single hive file (SYSTEM), a folder of hives, or a mounted root. */
function hostHiveFiles(target: string): Partial<Record<HiveName, string>> | undefined {
  const st = statSync(target);
  if (st.isBlockDevice()) return undefined; // a disk (or a container written onto a device): the image path
  if (st.isFile()) {
    const kind = hostFileKind(target);
    if (kind === "reg-export") throw new RefusedError("reg-export-target", `${target} is a .reg export: apply writes real hives (build one with p2vfix reg import, or give the folder of hive files)`, { path: target });
    return kind === "hive" ? { SYSTEM: target } : undefined;
  }
  const dir = existsSync(join(target, "Windows/System32/config/SYSTEM")) ? join(target, "Windows/System32/config") : target;
  const out: Partial<Record<HiveName, string>> = {};
  const names = new Map(readdirSync(dir).map((fileName) => [fileName.toUpperCase(), fileName]));
  for (const hive of HIVE_ORDER) {
    const name = names.get(hive);
    if (!name) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    if (hostFileKind(path) === "hive") out[hive] = path;
  }
  if (!out.SYSTEM) {
    if (names.has("SYSTEM.REG")) throw new RefusedError("reg-export-target", `${dir} holds .reg exports, not hives: apply writes real hive files`, { path: dir });
    throw new NotFoundError("no-system-hive", `no SYSTEM hive file in ${dir}`, { path: dir });
  }
  return out;
}

/** A plan made for another machine (other computer name or control set) is refused. */
function checkControlSet(plan: PlanFile, system: RegistryKey, where: string): void {
  if (!plan.windows) return;
  const resolved = readControlSets(system).resolved;
  if (resolved.toLowerCase() !== plan.windows.controlSet.toLowerCase()) {
    throw new PlanError("plan-target-mismatch", `the plan was made for control set ${plan.windows.controlSet}, and ${where} boots ${resolved}: make the plan again for this target`, { path: where });
  }
  const name = readString(system.key(`${resolved}\\Control\\ComputerName\\ComputerName`), "ComputerName");
  if (plan.windows.computerName && name && name.toUpperCase() !== plan.windows.computerName.toUpperCase()) {
    throw new PlanError("plan-target-mismatch", `the plan was made for ${plan.windows.computerName}, and ${where} is ${name}: make the plan again for this target`, { path: where });
  }
}

function hivesNeeded(expanded: ExpandedPlan): HiveName[] {
  return HIVE_ORDER.filter((hive) => expanded.registry.some((change) => change.hive === hive));
}

export function applyPlan(target: string, plan: PlanFile, options: ApplyOptions = {}): ApplyReport {
  hostTargetKind(target); // missing, or a character device, FIFO or socket: refused before anything opens it
  const dryRun = options.dryRun ?? false;
  const files = hostHiveFiles(target);
  let report: ApplyReport;
  if (files) report = applyToFiles(target, files, plan, dryRun, options.backup ?? true);
  else report = applyToImage(target, plan, dryRun, options.image ?? {});
  if (plan.files && plan.files.length > 0) {
    if (report.kind !== "image") throw new PlanError("files-need-image", `the plan's files: section copies into a disk image; ${target} is not one (copy the folders by hand)`, { path: target });
    const copied = writeFilesInImage(target, planFileOperations(plan.files), { ...(options.image ?? {}), dryRun, overwrite: true });
    report.files = copied.result.created.map((created) => `${created.path} (${created.size} bytes)`);
    if (copied.undoFile) report.filesUndoFile = copied.undoFile;
  }
  if (plan.drivers) {
    if (report.kind !== "image") throw new PlanError("drivers-need-image", `the plan's drivers: section installs into a disk image; ${target} is not one (use p2vfix drivers add on the image)`, { path: target });
    const source = openDriverSource(plan.drivers.from);
    try {
      const added = addDriversToImage(target, source, { ...(options.image ?? {}), dryRun, ...(plan.drivers.only ? { only: plan.drivers.only } : {}) });
      report.drivers = added.result.drivers.map((plannedDriver) => `${plannedDriver.driver} (${plannedDriver.infPath}): ${plannedDriver.mode === "boot-storage" ? `boot start, bound in ${plannedDriver.binding}` : "staged for Plug and Play"}`);
      report.files = [...(report.files ?? []), ...added.result.files.filter((file) => file.state !== "unchanged").map((file) => `${file.path} (${file.size} bytes)`)];
      report.diff.push(...added.result.diff);
      if (added.undoFile) report.driversUndoFile = added.undoFile;
    } finally {
      source.close();
    }
  }
  if (report.expanded.vm) report.vm = applyVmLink(report.expanded.vm, target, dryRun, options.image?.backupDir);
  return report;
}

function applyToFiles(target: string, files: Partial<Record<HiveName, string>>, plan: PlanFile, dryRun: boolean, backup: boolean): ApplyReport {
  const hives: Partial<Record<HiveName, Hive>> = {};
  for (const [name, path] of Object.entries(files) as [HiveName, string][]) hives[name] = openHiveFile(path, { useLogs: true });
  const system = hives.SYSTEM!.root();
  checkControlSet(plan, system, target);
  const expanded = expandPlan(plan, { system, ...(hives.SOFTWARE ? { software: hives.SOFTWARE.root() } : {}) });
  const missing = hivesNeeded(expanded).filter((hive) => !hives[hive]);
  if (missing.length > 0) throw new PlanError("hive-missing", `the plan changes ${missing.join(", ")}, and ${target} has no such hive file`, { path: target });
  const diff: DiffEntry[] = [];
  const written: string[] = [];
  const backups: string[] = [];
  for (const name of hivesNeeded(expanded)) {
    const editor = editHive(hives[name]!);
    const changed = applyRegistryChanges(editor, name, expanded.registry);
    diff.push(...changed);
    if (changed.length === 0 || dryRun) continue;
    const saved = saveHiveFile(files[name]!, editor, { backup });
    written.push(saved.path);
    if (saved.backup) backups.push(saved.backup);
  }
  return { target, kind: "hive-files", dryRun, diff, expanded, written, backups };
}

function applyToImage(target: string, plan: PlanFile, dryRun: boolean, imageOptions: WriteHivesOptions): ApplyReport {
  const loaded = loadWindows(target, imageOptions.partition === undefined ? {} : { partition: imageOptions.partition });
  let expanded: ExpandedPlan;
  try {
    checkControlSet(plan, loaded.hives.system, target);
    expanded = expandPlan(plan, { system: loaded.hives.system, ...(loaded.hives.software ? { software: loaded.hives.software } : {}) });
  } finally {
    loaded.close();
  }
  const needed = hivesNeeded(expanded);
  const unsupported = needed.filter((hive) => hive !== "SYSTEM" && hive !== "SOFTWARE");
  if (unsupported.length > 0) throw new PlanError("hive-unsupported", `the plan changes ${unsupported.join(", ")}: only SYSTEM and SOFTWARE are written in images`);
  // First pass in memory (a dry transaction): which hives really change, and the diff.
  const diffs = new Map<HiveName, DiffEntry[]>();
  const targets = (names: HiveName[]): HiveTarget[] =>
    names.map((name) => ({
      inner: name,
      edits: [
        ({ hive }) => {
          const editor = editHive(hive);
          const changed = applyRegistryChanges(editor, name, expanded.registry);
          diffs.set(name, changed);
          return changed.length === 0 ? hive.bytes.slice(0, hive.bytes.length) : editor.serialize();
        },
      ],
    }));
  const preview = writeHiveTargets(target, targets(needed), { ...imageOptions, dryRun: true });
  const changedHives = needed.filter((hive) => (diffs.get(hive) ?? []).length > 0);
  const diff = needed.flatMap((hive) => diffs.get(hive) ?? []);
  if (dryRun || changedHives.length === 0) return { target, kind: "image", dryRun, diff, expanded, written: [], backups: [], image: preview };
  const real = writeHiveTargets(target, targets(changedHives), { ...imageOptions, dryRun: false });
  return { target, kind: "image", dryRun, diff, expanded, written: real.result.map((writtenHive) => writtenHive.source), backups: [], ...(real.undoFile ? { undoFile: real.undoFile } : {}), image: real };
}
