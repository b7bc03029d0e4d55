/**
 * `p2vfix disk info IMAGE`, `p2vfix ls IMAGE[:PATH]`, `p2vfix cat IMAGE:PATH`,
 * `p2vfix cp IMAGE:PATH DEST`: look inside a disk image (or a mounted Windows root) without
 * mounting it.
 */
import { existsSync, lstatSync, statSync } from "node:fs";
import { replaceFileSafely } from "../../io/safe-file.js";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { P2vfixError, RefusedError, UsageError } from "../../errors.js";
import type { FileInfo } from "../../fs/filesystem.js";
import { volumeState, type VolumeState } from "../../fs/ntfs/volume-state.js";
import type { NtfsVolume } from "../../fs/ntfs/volume.js";
import { findFileVolume, locateWindows, openTarget, parseTargetSpec, resolveInnerPath, type OpenedTarget, type Volume } from "../../image/index.js";
import { fileChunks, openFileInImage } from "../file-in-image.js";
import { formatBytes, table } from "../format.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

function withTarget<T>(path: string, run: (target: OpenedTarget) => T): T {
  const target = openTarget(path);
  try {
    return run(target);
  } finally {
    target.close();
  }
}

interface VolumeReport {
  index: number;
  start?: number;
  size?: number;
  type?: string | number;
  typeName?: string;
  name?: string;
  filesystem: string;
  label?: string;
  error?: string;
  ntfs?: VolumeState;
}

function describeVolume(volume: Volume): VolumeReport {
  const partition = volume.partition;
  const report: VolumeReport = { index: volume.index, filesystem: volume.kind };
  if (partition) Object.assign(report, { start: partition.start, size: partition.size, type: partition.type, typeName: partition.typeName, ...(partition.name ? { name: partition.name } : {}) });
  else if (volume.device) report.size = volume.device.size;
  if (!volume.readable) return report;
  try {
    const fs = volume.fs();
    if (fs.label) report.label = fs.label;
    if (fs.type === "ntfs") report.ntfs = volumeState(fs as NtfsVolume);
  } catch (err) {
    if (!(err instanceof P2vfixError)) throw err;
    report.error = err.message;
  }
  return report;
}

function ntfsStateText(state: VolumeState): string {
  const parts: string[] = [];
  parts.push(state.dirty ? "DIRTY" : "clean");
  parts.push(state.logFileClean === true ? "$LogFile clean" : state.logFileClean === false ? "$LogFile NOT clean" : "$LogFile unknown");
  if (state.hibernated.active) parts.push(`HIBERNATED (hiberfil.sys "${state.hibernated.signature}")`);
  else if (state.hibernated.file) parts.push("hiberfil.sys present, not hibernated");
  return parts.join(", ");
}

function entryJson(fileInfo: FileInfo): Record<string, unknown> {
  return {
    name: fileInfo.name,
    path: fileInfo.path,
    type: fileInfo.isDirectory ? "directory" : "file",
    size: fileInfo.size,
    ...(fileInfo.modified ? { modified: fileInfo.modified.toISOString() } : {}),
    ...(fileInfo.id !== undefined ? { id: fileInfo.id } : {}),
    ...(fileInfo.compressed ? { compressed: true } : {}),
    ...(fileInfo.sparse ? { sparse: true } : {}),
    ...(fileInfo.streams?.length ? { streams: fileInfo.streams } : {}),
  };
}

export function registerDisk(program: Command, output: Output): void {
  const disk = program.command("disk").description("Disk images: container, partitions, filesystems, Windows installations.");

  disk
    .command("info")
    .description("Format, sizes, partitions, filesystems, Windows installations and their hibernation/dirty/BitLocker state.")
    .argument("<image>", "disk image (raw, VHD, VHDX, VMDK, qcow2) or mounted Windows root")
    .option("--json", "JSON output")
    .action((path: string, opts: { json?: boolean }) =>
      withTarget(path, (target) => {
        const volumes = target.volumes.map(describeVolume);
        const located = locateWindows(target.volumes);
        const installations = located.installations.map((installation) => ({
          partition: installation.volume.index,
          systemRoot: installation.systemRoot,
          configDir: installation.configDir,
          hives: Object.fromEntries(installation.hives),
        }));
        const bcd = located.bcdStores.map((bcdStore) => ({ partition: bcdStore.volume.index, path: bcdStore.path, firmware: bcdStore.firmware }));
        const skipped = located.skipped.map((skip) => ({ partition: skip.volume.index, reason: skip.reason }));
        const image = target.image;
        if (opts.json) {
          output.out(
            JSON.stringify(
              {
                path,
                kind: target.kind,
                ...(image ? { format: image.format, virtualSize: image.virtualSize, allocatedSize: image.allocatedSize, logicalSectorSize: image.logicalSectorSize, files: image.files, warnings: image.warnings } : {}),
                ...(target.table ? { partitionTable: { scheme: target.table.scheme, sectorSize: target.table.sectorSize, diskGuid: target.table.diskGuid, warnings: target.table.warnings } } : {}),
                volumes,
                windows: installations,
                bcd,
                skipped,
              },
              null,
              2,
            ) + "\n",
          );
          return;
        }
        const lines: string[] = [];
        if (image) {
          lines.push(`image:       ${path}`);
          lines.push(`format:      ${image.format}`);
          lines.push(`virtual:     ${formatBytes(image.virtualSize)} (${image.virtualSize} bytes), ${image.logicalSectorSize}-byte sectors`);
          if (image.allocatedSize !== undefined) lines.push(`allocated:   ${formatBytes(image.allocatedSize)} on the host`);
          for (const warning of image.warnings) lines.push(`warning:     ${warning}`);
        } else lines.push(`folder:      ${path} (mounted Windows root)`);
        if (target.table) {
          lines.push(`partitions:  ${target.table.scheme === "none" ? "none (a bare volume)" : `${target.table.scheme.toUpperCase()}, ${target.table.partitions.length}`}`);
          for (const warning of target.table.warnings) lines.push(`warning:     ${warning}`);
        }
        lines.push("");
        const rows = [["#", "start", "size", "type", "filesystem", "label", "state"]];
        for (const volume of volumes) {
          rows.push([
            String(volume.index),
            volume.start === undefined ? "" : String(volume.start),
            volume.size === undefined ? "" : formatBytes(volume.size),
            volume.typeName ?? "",
            volume.filesystem,
            volume.label ?? "",
            volume.error ? `error: ${volume.error}` : volume.ntfs ? ntfsStateText(volume.ntfs) : "",
          ]);
        }
        lines.push(table(rows), "");
        if (installations.length === 0) lines.push("Windows:     none found");
        for (const installation of installations) lines.push(`Windows:     partition ${installation.partition}: ${installation.configDir} (${Object.keys(installation.hives).join(", ")})`);
        for (const store of bcd) lines.push(`BCD store:   partition ${store.partition}: ${store.path} (${store.firmware === "uefi" ? "UEFI" : "BIOS"})`);
        for (const skip of skipped) lines.push(`skipped:     partition ${skip.partition}: ${skip.reason}`);
        output.out(lines.join("\n") + "\n");
      }),
    );

  program
    .command("ls")
    .description("List a folder inside an image: IMAGE or IMAGE:PATH.")
    .argument("<spec>", "IMAGE[:PATH]")
    .option("-l, --long", "sizes and dates")
    .option("--partition <n>", "partition number", parsePartition)
    .option("--json", "JSON output")
    .action((spec: string, opts: { long?: boolean; partition?: number; json?: boolean }) => {
      const { container, inner } = parseTargetSpec(spec);
      withTarget(container, (target) => {
        const readable = target.volumes.filter((candidate) => candidate.readable && (opts.partition === undefined || candidate.index === opts.partition));
        if (inner === undefined && opts.partition === undefined && readable.length > 1) {
          // Several filesystems and no path: show what there is to list.
          const rows = [["partition", "filesystem", "size", "label"]];
          for (const readableVolume of readable) {
            const volumeReport = describeVolume(readableVolume);
            rows.push([String(readableVolume.index), readableVolume.kind, volumeReport.size === undefined ? "" : formatBytes(volumeReport.size), volumeReport.label ?? ""]);
          }
          if (opts.json) output.out(JSON.stringify(readable.map(describeVolume), null, 2) + "\n");
          else output.out(`${container} has ${readable.length} readable volumes; list one with --partition N or ${container}:PATH\n${table(rows)}\n`);
          return;
        }
        const { volume, path } = findFileVolume(target, inner ?? "", opts.partition);
        const fs = volume.fs();
        const info = fs.stat(path);
        const entries = info && !info.isDirectory ? [info] : fs.list(path);
        if (opts.json) {
          output.out(JSON.stringify(entries.map(entryJson), null, 2) + "\n");
          return;
        }
        if (!opts.long) {
          output.out(entries.map((entry) => (entry.isDirectory ? `${entry.name}/` : entry.name)).join("\n") + (entries.length ? "\n" : ""));
          return;
        }
        const rows = entries.map((entry) => [
          entry.isDirectory ? "d" : "-",
          entry.isDirectory ? "" : String(entry.size),
          entry.modified ? entry.modified.toISOString().replace("T", " ").slice(0, 19) : "",
          entry.isDirectory ? `${entry.name}/` : entry.name,
        ]);
        output.out(table(rows) + (rows.length ? "\n" : ""));
      });
    });

  program
    .command("cat")
    .description("Write a file from inside an image to standard output: IMAGE:PATH (or IMAGE:SYSTEM, :SOFTWARE, :SAM, :SECURITY, :DEFAULT, :BCD).")
    .argument("<spec>", "IMAGE:PATH")
    .option("--partition <n>", "partition number", parsePartition)
    .action(async (spec: string, opts: { partition?: number }) => {
      const opened = openFileInImage(spec, opts.partition);
      try {
        for (const chunk of fileChunks(opened.file)) await output.writeBytes(chunk);
      } finally {
        opened.close();
      }
    });

  program
    .command("cp")
    .description("Copy a file out of an image: IMAGE:PATH DEST (DEST may be a folder); IMAGE:SYSTEM and the other hive short names work too. Copy in: cp [-r] SRC... IMAGE:/DEST.")
    .argument("<spec>", "IMAGE:PATH")
    .argument("<dest>", "destination file or folder on the host")
    .argument("[more...]", "copy in: more sources, the last argument being IMAGE:/DEST")
    .option("--partition <n>", "partition number", parsePartition)
    .option("-r, --recursive", "copy in: copy folders with their contents")
    .option("-f, --force", "replace what exists: copy in, files in the image; copy out, DEST on the host")
    .option("--dry-run", "copy in: check and report, write nothing")
    .option("--backup-dir <dir>", "copy in: folder for the undo file (a block device needs it, and keeps its journal and lock there too)")
    .option("--json", "copy in: JSON output")
    .action(async (spec: string, dest: string, more: string[], opts: { partition?: number; force?: boolean }) => {
      const copyIn = await import("./image-files.js");
      const args = [spec, dest, ...more];
      if (copyIn.isImageDestination(args[args.length - 1]) && !copyIn.isImageDestination(spec)) {
        await copyIn.copyIn(output, args.slice(0, -1), args[args.length - 1], opts);
        return;
      }
      if (more.length > 0) throw new UsageError("too-many-arguments", "cp IMAGE:PATH DEST copies one file out; to copy in, end with IMAGE:/DEST");
      const { container, inner } = parseTargetSpec(spec);
      if (inner === undefined) throw new UsageError("path-needed", `give a path inside the image: ${container}:PATH`);
      withTarget(container, (target) => {
        const { volume, path } = resolveInnerPath(target, inner, opts.partition);
        const fs = volume.fs();
        const info = fs.stat(path);
        if (info?.isDirectory) throw new UsageError("is-directory", `${spec} is a folder; cp copies files`);
        const data = fs.readFile(path);
        const out = existsSync(dest) && statSync(dest).isDirectory() ? join(dest, basename(path.replace(/:.*$/, ""))) : dest;
        if (!opts.force && pathTaken(out)) throw new RefusedError("destination-exists", `${out} exists already: nothing was copied; pass --force to replace it, or choose another name`, { path: out });
        // Exclusive random temp + rename (never onto a symlink): an interrupted copy never leaves a half-written destination.
        replaceFileSafely(out, data, { mode: 0o600 });
        output.err(`copied ${data.length} bytes to ${out}\n`);
      });
    });
}

/** True when something (a file, a folder, even a dangling symlink) is at `path`. */
function pathTaken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
