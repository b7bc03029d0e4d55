/**
 * `drivers add`: reads the image's Windows (version, build, client/server, architecture),
 * chooses the packages (select.ts), plans files and registry changes (install-plan.ts), then
 * writes them in ONE transaction of the safe write path (src/apply: refusals, overlay,
 * verify, undo file, journal): the files through the NTFS writer session, then the SYSTEM and
 * SOFTWARE hives edited in memory (applyRegistryChanges: the plan diff's own engine, skipping
 * what is already in place), structurally checked and rewritten. One undo file restores the
 * image byte for byte. A second run with the same source writes nothing.
 */
import { createHash } from "node:crypto";
import { DriverError, RefusedError, VerifyError } from "../errors.js";
import { NtfsVolume } from "../fs/ntfs/volume.js";
import { chooseInstallation } from "../image/hive-source.js";
import { readHiveWithLogs } from "../image/hive-source.js";
import { locateWindows } from "../image/locate-windows.js";
import { openTarget } from "../image/open-target.js";
import { preflightHiveRecovery, preflightVolume, runTransaction, targetOf, type TransactionOptions, type TransactionReport } from "../apply/index.js";
import { checkHive, editHive, Hive } from "../regf/internal.js";
import { loadFromFileSystem } from "../windows/load.js";
import type { HiveName } from "../changes/change.js";
import { applyRegistryChanges, type DiffEntry } from "../changes/apply-registry-changes.js";
import { planDriverInstall, type DriverInstallPlan, type PlannedDriver } from "./install-plan.js";
import { selectDrivers, targetOsOf, type DriverSelection } from "./select.js";
import type { DriverSource } from "./source.js";

export interface DriversAddOptions extends TransactionOptions {
  partition?: number;
  /** Driver names to install (default: every driver with a package for this Windows). */
  only?: string[];
  /** Replace a file that exists with other bytes (default: refuse). */
  replace?: boolean;
}

export interface DriversAddResult {
  selection: DriverSelection;
  drivers: PlannedDriver[];
  files: Array<{ path: string; size: number; sha256: string; state: "created" | "replaced" | "unchanged" }>;
  diff: DiffEntry[];
  notices: string[];
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Reads the image (no write) and plans: the selection and what would be written. */
export function planDriversForImage(imagePath: string, source: DriverSource, options: { partition?: number; only?: string[] } = {}): { selection: DriverSelection; plan: DriverInstallPlan; where: string } {
  const target = openTarget(imagePath);
  try {
    const install = chooseInstallation(locateWindows(target.volumes).installations, imagePath, options.partition);
    const where = `${imagePath}:${install.volume.index ? `partition ${install.volume.index}` : "volume"}`;
    const loaded = loadFromFileSystem(install.volume.fs(), { configDir: install.configDir });
    try {
      const os = targetOsOf(loaded.hives.system, loaded.hives.software, where);
      const selection = selectDrivers(source, os, options.only);
      const plan = planDriverInstall(selection, source, { system: loaded.hives.system, ...(loaded.hives.software ? { software: loaded.hives.software } : {}), systemRoot: install.systemRoot });
      return { selection, plan, where };
    } finally {
      loaded.close();
    }
  } finally {
    target.close();
  }
}

function parents(path: string): string[] {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.slice(0, -1).map((_, i) => "/" + parts.slice(0, i + 1).join("/"));
}

export function addDriversToImage(imagePath: string, source: DriverSource, options: DriversAddOptions = {}): TransactionReport<DriversAddResult> {
  const { selection, plan } = planDriversForImage(imagePath, source, options);
  return runTransaction(
    imagePath,
    (image) => {
      const target = targetOf(image, imagePath);
      const install = chooseInstallation(locateWindows(target.volumes).installations, imagePath, options.partition);
      const where = `${imagePath}:${install.volume.index ? `partition ${install.volume.index}` : "volume"}`;
      const fs = preflightVolume(install.volume, where);
      const result: DriversAddResult = { selection, drivers: plan.drivers, files: [], diff: [], notices: plan.notices };
      // Files: one NTFS writer session (folders made as needed, existing identical files kept).
      const writer = fs.writer();
      for (const file of plan.files) {
        for (const dir of parents(file.path)) {
          const record = writer.lookup(dir);
          if (record === undefined) writer.mkdir(dir);
          else if (!writer.vol.record(record).isDirectory) throw new RefusedError("driver-path-not-folder", `${where}:${dir} is a file, where p2vfix must make a folder for ${file.path}; nothing was written`);
        }
        const existing = writer.lookup(file.path);
        let state: DriversAddResult["files"][number]["state"] = "created";
        if (existing !== undefined) {
          const rec = writer.vol.record(existing);
          if (rec.isDirectory) throw new RefusedError("driver-path-is-folder", `${where}:${file.path} is a folder; nothing was written`);
          const current = writer.vol.readFile(file.path);
          if (sha(current) === sha(file.bytes)) state = "unchanged";
          else if (!options.replace) throw new RefusedError("driver-file-exists", `${where}:${file.path} exists with other bytes (another build of the driver?); give --replace to overwrite it (the undo file keeps the old one); nothing was written`);
          else state = "replaced";
        }
        if (state !== "unchanged") writer.createFile(file.path, file.bytes, { overwrite: state === "replaced" });
        result.files.push({ path: file.path, size: file.bytes.length, sha256: sha(file.bytes), state });
      }
      writer.commit();
      // Hives: read again over the volume as the writer left it, edited, checked, rewritten in place.
      const after = new NtfsVolume(fs.device);
      const written: Array<{ path: string; bytes: Uint8Array }> = [];
      for (const name of ["SYSTEM", "SOFTWARE"] as HiveName[]) {
        if (!plan.registry.some((change) => change.hive === name)) continue;
        const path = install.hives.get(name);
        if (!path) throw new DriverError("hive-missing", `${where}: the drivers change the ${name} hive, which is not in ${install.configDir}`);
        const { bytes, logs } = readHiveWithLogs(after, path, true);
        const recovery = preflightHiveRecovery(bytes, logs, `${where}:${path}`);
        const editor = editHive(new Hive(recovery.bytes, { recovery, source: `${where}:${path}` }));
        const diff = applyRegistryChanges(editor, name, plan.registry);
        result.diff.push(...diff);
        if (diff.length === 0) continue;
        const out = editor.serialize();
        const check = checkHive(out);
        if (!check.ok) throw new VerifyError("hive-check-failed", `${where}:${path}: the edited hive fails the structural check (${check.errors[0]?.message}); nothing was written`);
        after.rewriteFile(path, out);
        written.push({ path, bytes: out });
      }
      const changed = result.files.filter((file) => file.state !== "unchanged");
      return {
        changes: [...changed.map((changedFile) => `${where}:${changedFile.path}`), ...written.map((writtenFile) => `${where}:${writtenFile.path}`)],
        verify: (fresh) => {
          const again = targetOf(fresh, imagePath).volumes.find((volume) => volume.index === install.volume.index)?.fs();
          if (!(again instanceof NtfsVolume)) throw new VerifyError("verify-failed", `${where}: not NTFS after the write`);
          for (const file of result.files) if (sha(again.readFile(file.path)) !== file.sha256) throw new VerifyError("verify-failed", `${where}:${file.path} reads back different bytes; nothing was written`);
          for (const writtenFile of written) if (sha(again.readFile(writtenFile.path)) !== sha(writtenFile.bytes)) throw new VerifyError("verify-failed", `${where}:${writtenFile.path} reads back different bytes; nothing was written`);
        },
        result,
      };
    },
    options,
  );
}
