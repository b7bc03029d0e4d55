/**
 * `p2vfix reg info|ls|get|export`: read a hive (a host file for now), recovered from the
 * transaction logs beside it unless --no-logs.
 */
import { writeOutputFile } from "../../io/safe-file.js";
import { basename } from "node:path";
import type { Command } from "commander";
import { NotFoundError, UsageError } from "../../errors.js";
import {
  filetimeToDate,
  jsonExportChunks,
  jsonKey,
  jsonValue,
  decodedData,
  regExportBytes,
  type Hive,
  type RegKey,
  isHiveFile,
  openHiveFile,
  type RegValue,
  regTypeName,
} from "../../regf/internal.js";
import { parsePartition } from "../options.js";
import type { Output } from "../output.js";

interface CommonOptions {
  logs: boolean;
  partition?: number;
  json?: boolean;
}

/**
 * The one place a HIVE argument becomes a Hive: a hive file on the host, or a hive inside a
 * disk image or mounted root (`IMAGE:SYSTEM`, `IMAGE:path/to/hive`), with its logs. The image
 * stack is loaded only for the second kind: a plain hive file needs the regf reader alone.
 */
export async function openHiveArgument(spec: string, { useLogs, partition }: { useLogs: boolean; partition?: number }): Promise<Hive> {
  if (partition === undefined && isHiveFile(spec)) return openHiveFile(spec, { useLogs });
  const { openHiveSource } = await import("../../image/hive-source.js");
  const opened = openHiveSource(spec, { useLogs, ...(partition === undefined ? {} : { partition }) });
  // The hive's bytes are in memory: the image can be closed right away.
  opened.close();
  return opened.hive;
}

/** Warnings for a dirty hive read without recovering it (shared with ../fast-export.ts). */
export function staleNotes(hive: Hive, opts: Pick<CommonOptions, "logs">): string[] {
  const notes: string[] = [];
  const recovery = hive.recovery;
  // The recovery's own warning already says so when logs were looked for.
  if (recovery?.dirty && !recovery.recovered && (!opts.logs || !recovery.warnings.some((warning) => /stale/.test(warning)))) {
    notes.push(
      opts.logs
        ? `hive is dirty (${recovery.dirtyReasons.join("; ")}) and was not recovered from logs: the view may be stale`
        : `hive is dirty (${recovery.dirtyReasons.join("; ")}) and --no-logs was given: the view may be stale`,
    );
  }
  return notes;
}

export function findKey(hive: Hive, path: string | undefined): RegKey {
  const key = hive.key(path ?? "");
  if (!key) throw new NotFoundError("key-not-found", `no key ${JSON.stringify(path)} in the hive`, { path: path ?? "" });
  return key;
}

function iso(filetime: bigint): string {
  const date = filetimeToDate(filetime);
  return Number.isNaN(date.getTime()) ? `invalid (${filetime})` : date.toISOString();
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** A value's data for a person. */
export function describeValueData(value: RegValue): string {
  const decoded = decodedData(value);
  if (typeof decoded === "string") return decoded;
  if (typeof decoded === "number") return `0x${decoded.toString(16).padStart(8, "0")} (${decoded})`;
  if (Array.isArray(decoded)) return JSON.stringify(decoded);
  const data = value.data();
  return data.length > 64 ? `${hex(data.subarray(0, 64))}… (${data.length} bytes)` : hex(data);
}

export function registerReg(program: Command, output: Output): void {
  const reg = program.command("reg").description("Registry hives (files, or IMAGE:SYSTEM inside an image): read, export, edit, import, check.");

  reg
    .command("info")
    .description("Header, dirty state, recovery, sizes, key and value counts.")
    .argument("<hive>", "hive file")
    .option("--json", "JSON output")
    .option("--no-logs", "ignore the transaction logs beside the hive")
    .option("--partition <n>", "partition holding the hive, when an image has several Windows installations", parsePartition)
    .action(async (hivePath: string, opts: CommonOptions) => {
      const hive = await openHiveArgument(hivePath, { useLogs: opts.logs, partition: opts.partition });
      const baseBlock = hive.baseBlock;
      const stats = hive.stats();
      const recovery = hive.recovery;
      const info = {
        file: hivePath,
        fileSize: hive.bytes.length,
        version: `${baseBlock.majorVersion}.${baseBlock.minorVersion}`,
        fileName: baseBlock.fileName,
        sequence: { primary: baseBlock.primarySequence, secondary: baseBlock.secondarySequence },
        lastWritten: iso(baseBlock.lastWritten),
        checksum: { stored: baseBlock.storedChecksum, computed: baseBlock.computedChecksum, ok: baseBlock.storedChecksum === baseBlock.computedChecksum },
        rootCellOffset: baseBlock.rootCellOffset,
        hiveBinsDataSize: { baseBlock: baseBlock.hiveBinsDataSize, used: hive.dataSize, source: hive.dataSizeSource },
        rootName: hive.root().name,
        dirty: recovery?.dirty ?? false,
        dirtyReasons: recovery?.dirtyReasons ?? [],
        recovery: {
          logsUsed: opts.logs,
          recovered: recovery?.recovered ?? false,
          appliedLogs: recovery?.appliedLogs ?? [],
          ignoredLogs: recovery?.ignoredLogs ?? [],
        },
        keys: stats.keys,
        values: stats.values,
        maxDepth: stats.maxDepth,
        valueDataBytes: stats.valueDataBytes,
        bigDataValues: stats.bigDataValues,
        warnings: [...(opts.logs ? (recovery?.warnings ?? []) : []), ...hive.warnings, ...stats.warnings, ...staleNotes(hive, opts)],
      };
      if (opts.json) {
        output.out(JSON.stringify(info, null, 2) + "\n");
        return;
      }
      const lines = [
        `file:            ${info.file} (${info.fileSize} bytes)`,
        `format:          regf ${info.version}, root key ${JSON.stringify(info.rootName)}`,
        `file name field: ${info.fileName}`,
        `sequence:        ${baseBlock.primarySequence}/${baseBlock.secondarySequence}`,
        `last written:    ${info.lastWritten}`,
        `checksum:        ${info.checksum.ok ? "ok" : `WRONG (stored 0x${baseBlock.storedChecksum.toString(16)}, computed 0x${baseBlock.computedChecksum.toString(16)})`}`,
        `hive bins:       ${hive.dataSize} bytes${hive.dataSizeSource === "hbin-walk" ? ` (from walking the bins; base block says ${baseBlock.hiveBinsDataSize})` : ""}`,
        `state:           ${info.dirty ? `DIRTY: ${info.dirtyReasons.join("; ")}` : "clean"}`,
      ];
      if (recovery) {
        for (const appliedLog of recovery.appliedLogs) lines.push(`applied log:     ${appliedLog.name} (${appliedLog.format} format, ${appliedLog.entries} entries, ${appliedLog.pages} pages, seq ${appliedLog.firstSequence}-${appliedLog.lastSequence})`);
        for (const ignoredLog of recovery.ignoredLogs) lines.push(`ignored log:     ${ignoredLog.name}: ${ignoredLog.reason}`);
      }
      lines.push(`keys:            ${stats.keys}`, `values:          ${stats.values}`, `max depth:       ${stats.maxDepth}`);
      for (const warning of info.warnings) lines.push(`warning:         ${warning}`);
      output.out(lines.join("\n") + "\n");
    });

  reg
    .command("ls")
    .description("List a key's subkeys and values.")
    .argument("<hive>", "hive file")
    .argument("[key]", "key path relative to the hive root (\\-separated)", "")
    .option("--json", "JSON output")
    .option("--no-logs", "ignore the transaction logs beside the hive")
    .option("--partition <n>", "partition holding the hive, when an image has several Windows installations", parsePartition)
    .action(async (hivePath: string, keyPath: string, opts: CommonOptions) => {
      const hive = await openHiveArgument(hivePath, { useLogs: opts.logs, partition: opts.partition });
      const key = findKey(hive, keyPath);
      const subkeys = key.subkeys();
      const values = key.values();
      if (opts.json) {
        output.out(
          JSON.stringify(
            {
              key: jsonKey(key, false),
              subkeys: subkeys.map((subkey) => ({ name: subkey.name, subkeys: subkey.subkeyCount, values: subkey.valueCount, lastWritten: iso(subkey.lastWritten) })),
              values: values.map((value) => ({ name: value.name, type: value.type, typeName: regTypeName(value.type), size: value.dataSize })),
              warnings: staleNotes(hive, opts),
            },
            null,
            2,
          ) + "\n",
        );
        return;
      }
      for (const staleNote of staleNotes(hive, opts)) output.err(`p2vfix: warning: ${staleNote}\n`);
      const lines: string[] = [];
      for (const subkey of subkeys) lines.push(`${subkey.name}\\`);
      for (const value of values) lines.push(`${value.name === "" ? "@" : value.name}  ${regTypeName(value.type)}  ${value.dataSize}`);
      output.out(lines.length ? lines.join("\n") + "\n" : "");
    });

  reg
    .command("get")
    .description("Show one value, or all values of a key.")
    .argument("<hive>", "hive file")
    .argument("<key>", "key path relative to the hive root")
    .argument("[value]", "value name (@ for the default value)")
    .option("--json", "JSON output")
    .option("--no-logs", "ignore the transaction logs beside the hive")
    .option("--partition <n>", "partition holding the hive, when an image has several Windows installations", parsePartition)
    .action(async (hivePath: string, keyPath: string, valueName: string | undefined, opts: CommonOptions) => {
      const hive = await openHiveArgument(hivePath, { useLogs: opts.logs, partition: opts.partition });
      const key = findKey(hive, keyPath);
      let values: RegValue[];
      if (valueName === undefined) values = key.values();
      else {
        const regValue = key.value(valueName === "@" ? "" : valueName);
        if (!regValue) throw new NotFoundError("value-not-found", `key ${JSON.stringify(key.path)} has no value ${JSON.stringify(valueName)}`, { path: key.path });
        values = [regValue];
      }
      if (opts.json) {
        const out = valueName === undefined ? { key: key.path, values: values.map(jsonValue) } : jsonValue(values[0]);
        output.out(JSON.stringify(out, null, 2) + "\n");
        return;
      }
      for (const staleNote of staleNotes(hive, opts)) output.err(`p2vfix: warning: ${staleNote}\n`);
      if (valueName !== undefined) {
        output.out(`${regTypeName(values[0].type)}  ${describeValueData(values[0])}\n`);
        return;
      }
      output.out(values.map((value) => `${value.name === "" ? "@" : value.name}  ${regTypeName(value.type)}  ${describeValueData(value)}`).join("\n") + (values.length ? "\n" : ""));
    });

  reg
    .command("export")
    .description("Export a key and everything under it as a .reg file (regedit format) or JSON.")
    .argument("<hive>", "hive file")
    .argument("[key]", "key path relative to the hive root", "")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .option("--encoding <encoding>", "utf16 (regedit's, with BOM) or utf8", "utf16")
    .option("--prefix <prefix>", "root key path written in [..] lines (default HKEY_LOCAL_MACHINE\\<HIVE FILE NAME>)")
    .option("--json", "JSON instead of .reg (always UTF-8)")
    .option("--no-logs", "ignore the transaction logs beside the hive")
    .option("--partition <n>", "partition holding the hive, when an image has several Windows installations", parsePartition)
    .action(async (hivePath: string, keyPath: string, opts: CommonOptions & { output?: string; encoding: string; prefix?: string }) => {
      if (opts.encoding !== "utf16" && opts.encoding !== "utf8") {
        throw new UsageError("bad-encoding", `--encoding must be utf16 or utf8, not ${JSON.stringify(opts.encoding)}`);
      }
      const hive = await openHiveArgument(hivePath, { useLogs: opts.logs, partition: opts.partition });
      for (const staleNote of staleNotes(hive, opts)) output.err(`p2vfix: warning: ${staleNote}\n`);
      const key = findKey(hive, keyPath);
      const prefix = opts.prefix ?? `HKEY_LOCAL_MACHINE\\${basename(hivePath).toUpperCase()}`;
      const chunks: Iterable<Uint8Array> = opts.json
        ? (function* () {
            for (const text of jsonExportChunks(key, { prefix })) yield Buffer.from(text, "utf8");
          })()
        : // Each chunk is written before the next is made, so one buffer serves them all.
          regExportBytes(key, { prefix, encoding: opts.encoding === "utf16" ? "utf16le" : "utf8", chunkSize: 1 << 20, reuseBuffer: true });
      if (opts.output === undefined) for (const chunk of chunks) await output.writeBytes(chunk);
      else writeOutputFile(opts.output, chunks);
    });
}
