/**
 * `p2vfix report TARGET [--json] [--partition N] [--no-logs]`: the first-boot results the
 * runner left in SOFTWARE\p2vfix\FirstBoot after the VM booted and shut down. TARGET: a disk
 * image or a mounted Windows root (its SOFTWARE hive is found), or a SOFTWARE hive file (or its
 * .reg export) taken from a live system. Exit code 0 whatever the steps' outcome.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { hostFileKind } from "../../image/host-file-kind.js";
import type { Command } from "commander";
import { NotFoundError } from "../../errors.js";
import { readFirstBootReport, renderFirstBootReport } from "../../firstboot/results.js";
import { openHiveSource } from "../../image/index.js";
import { parseRegFile } from "../../regf/internal.js";
import { registryFromRegFile } from "../../windows/memory-registry.js";
import { readUnmappedAdapters, renderUnmappedAdapters } from "../../windows/unmapped-adapters.js";
import type { RegistryKey } from "../../windows/registry.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

interface ReportOptions {
  json?: boolean;
  partition?: number;
  logs: boolean;
}

/** Opens the SOFTWARE hive the target names; the caller closes. */
function openSoftware(target: string, options: ReportOptions): { root: RegistryKey; source: string; close(): void } {
      const partition = options.partition;
  if (!existsSync(target)) throw new NotFoundError("target-not-found", `${target} does not exist`, { path: target });
  if (statSync(target).isFile()) {
    const kind = hostFileKind(target);
    if (kind === "reg-export") {
      const root = registryFromRegFile(parseRegFile(new Uint8Array(readFileSync(target)), target), { source: target });
      return { root, source: target, close: () => {} };
    }
    if (kind === "hive") {
      const opened = openHiveSource(target, { useLogs: options.logs });
      return { root: opened.hive.root(), source: opened.source, close: () => opened.close() };
    }
  }
  const opened = openHiveSource(`${target}:SOFTWARE`, { useLogs: options.logs, ...(partition === undefined ? {} : { partition }) });
  return { root: opened.hive.root(), source: opened.source, close: () => opened.close() };
}

export function registerReport(program: Command, output: Output): void {
  program
    .command("report")
    .description("Show the first-boot results (each step's status, time, exit code and output tail) left in the image after the VM booted")
    .argument("<target>", "disk image, mounted Windows root, or SOFTWARE hive file (or .reg export) from a live system")
    .option("--json", "machine-readable report")
    .option("--partition <n>", "disk image with several Windows installations: the partition to read", parsePartition)
    .option("--no-logs", "do not replay transaction logs found beside the hive")
    .action((target: string, opts: ReportOptions) => {
      const software = openSoftware(target, opts);
      let report;
      let unmapped;
      try {
        report = readFirstBootReport(software.root);
        unmapped = readUnmappedAdapters(software.root);
      } finally {
        software.close();
      }
      if (opts.json) output.out(JSON.stringify({ source: software.source, firstBoot: report, unmappedAdapters: unmapped }, null, 2) + "\n");
      else output.out(renderFirstBootReport(report, software.source) + renderUnmappedAdapters(unmapped));
    });
}
