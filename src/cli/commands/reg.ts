/**
 * `p2vfix reg info|ls|get|export`: read a hive (a host file for now), recovered from the
 * transaction logs beside it unless --no-logs.
 */
import { closeSync, openSync, writeSync } from "node:fs";
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
  const r = hive.recovery;
  // The recovery's own warning already says so when logs were looked for.
  if (r?.dirty && !r.recovered && (!opts.logs || !r.warnings.some((w) => /stale/.test(w)))) {
    notes.push(
      opts.logs
        ? `hive is dirty (${r.dirtyReasons.join("; ")}) and was not recovered from logs: the view may be stale`
        : `hive is dirty (${r.dirtyReasons.join("; ")}) and --no-logs was given: the view may be stale`,
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
  const d = filetimeToDate(filetime);
  return Number.isNaN(d.getTime()) ? `invalid (${filetime})` : d.toISOString();
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
      const b = hive.baseBlock;
      const stats = hive.stats();
      const r = hive.recovery;
      const info = {
        file: hivePath,
        fileSize: hive.bytes.length,
        version: `${b.majorVersion}.${b.minorVersion}`,
        fileName: b.fileName,
        sequence: { primary: b.primarySequence, secondary: b.secondarySequence },
        lastWritten: iso(b.lastWritten),
        checksum: { stored: b.storedChecksum, computed: b.computedChecksum, ok: b.storedChecksum === b.computedChecksum },
        rootCellOffset: b.rootCellOffset,
        hiveBinsDataSize: { baseBlock: b.hiveBinsDataSize, used: hive.dataSize, source: hive.dataSizeSource },
        rootName: hive.root().name,
        dirty: r?.dirty ?? false,
        dirtyReasons: r?.dirtyReasons ?? [],
        recovery: {
          logsUsed: opts.logs,
          recovered: r?.recovered ?? false,
          appliedLogs: r?.appliedLogs ?? [],
          ignoredLogs: r?.ignoredLogs ?? [],
        },
        keys: stats.keys,
        values: stats.values,
        maxDepth: stats.maxDepth,
        valueDataBytes: stats.valueDataBytes,
        bigDataValues: stats.bigDataValues,
        warnings: [...(opts.logs ? (r?.warnings ?? []) : []), ...hive.warnings, ...stats.warnings, ...staleNotes(hive, opts)],
      };
      if (opts.json) {
        output.out(JSON.stringify(info, null, 2) + "\n");
        return;
      }
      const lines = [
        `file:            ${info.file} (${info.fileSize} bytes)`,
        `format:          regf ${info.version}, root key ${JSON.stringify(info.rootName)}`,
        `file name field: ${info.fileName}`,
        `sequence:        ${b.primarySequence}/${b.secondarySequence}`,
        `last written:    ${info.lastWritten}`,
        `checksum:        ${info.checksum.ok ? "ok" : `WRONG (stored 0x${b.storedChecksum.toString(16)}, computed 0x${b.computedChecksum.toString(16)})`}`,
        `hive bins:       ${hive.dataSize} bytes${hive.dataSizeSource === "hbin-walk" ? ` (from walking the bins; base block says ${b.hiveBinsDataSize})` : ""}`,
        `state:           ${info.dirty ? `DIRTY: ${info.dirtyReasons.join("; ")}` : "clean"}`,
      ];
      if (r) {
        for (const a of r.appliedLogs) lines.push(`applied log:     ${a.name} (${a.format} format, ${a.entries} entries, ${a.pages} pages, seq ${a.firstSequence}-${a.lastSequence})`);
        for (const i of r.ignoredLogs) lines.push(`ignored log:     ${i.name}: ${i.reason}`);
      }
      lines.push(`keys:            ${stats.keys}`, `values:          ${stats.values}`, `max depth:       ${stats.maxDepth}`);
      for (const w of info.warnings) lines.push(`warning:         ${w}`);
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
              subkeys: subkeys.map((k) => ({ name: k.name, subkeys: k.subkeyCount, values: k.valueCount, lastWritten: iso(k.lastWritten) })),
              values: values.map((v) => ({ name: v.name, type: v.type, typeName: regTypeName(v.type), size: v.dataSize })),
              warnings: staleNotes(hive, opts),
            },
            null,
            2,
          ) + "\n",
        );
        return;
      }
      for (const n of staleNotes(hive, opts)) output.err(`p2vfix: warning: ${n}\n`);
      const lines: string[] = [];
      for (const k of subkeys) lines.push(`${k.name}\\`);
      for (const v of values) lines.push(`${v.name === "" ? "@" : v.name}  ${regTypeName(v.type)}  ${v.dataSize}`);
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
        const v = key.value(valueName === "@" ? "" : valueName);
        if (!v) throw new NotFoundError("value-not-found", `key ${JSON.stringify(key.path)} has no value ${JSON.stringify(valueName)}`, { path: key.path });
        values = [v];
      }
      if (opts.json) {
        const out = valueName === undefined ? { key: key.path, values: values.map(jsonValue) } : jsonValue(values[0]);
        output.out(JSON.stringify(out, null, 2) + "\n");
        return;
      }
      for (const n of staleNotes(hive, opts)) output.err(`p2vfix: warning: ${n}\n`);
      if (valueName !== undefined) {
        output.out(`${regTypeName(values[0].type)}  ${describeValueData(values[0])}\n`);
        return;
      }
      output.out(values.map((v) => `${v.name === "" ? "@" : v.name}  ${regTypeName(v.type)}  ${describeValueData(v)}`).join("\n") + (values.length ? "\n" : ""));
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
      for (const n of staleNotes(hive, opts)) output.err(`p2vfix: warning: ${n}\n`);
      const key = findKey(hive, keyPath);
      const prefix = opts.prefix ?? `HKEY_LOCAL_MACHINE\\${basename(hivePath).toUpperCase()}`;
      const chunks: Iterable<Uint8Array> = opts.json
        ? (function* () {
            for (const text of jsonExportChunks(key, { prefix })) yield Buffer.from(text, "utf8");
          })()
        : // Each chunk is written before the next is made, so one buffer serves them all.
          regExportBytes(key, { prefix, encoding: opts.encoding === "utf16" ? "utf16le" : "utf8", chunkSize: 1 << 20, reuseBuffer: true });
      const fd = opts.output === undefined ? undefined : openSync(opts.output, "w");
      try {
        for (const chunk of chunks) {
          if (fd === undefined) await output.writeBytes(chunk);
          else writeSync(fd, chunk);
        }
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    });
}
