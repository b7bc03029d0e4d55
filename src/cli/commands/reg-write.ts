/**
 * `p2vfix reg set|delete|import|new|compact|check`: edit hive files on the host. Every write
 * goes to a temporary file beside the hive, passes the structural check, and only then
 * replaces the original (kept as HIVE.bak unless --no-backup). Dirty hives are recovered
 * from the logs beside them first; one that cannot be recovered is refused.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { ExitCode, NotFoundError, RefusedError, UsageError } from "../../errors.js";
import {
  checkHive,
  type CheckResult,
  copyHive,
  editHive,
  type HiveEditor,
  createHive,
  saveHiveBytes,
  saveHiveFile,
  type SaveResult,
  applyRegFile,
  readRegFileWindows,
  regFileWindows,
  RegType,
  regTypeName,
  regTypeNumber,
} from "../../regf/internal.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";
import { preferSmallHeap } from "../small-heap.js";
import { openHiveArgument } from "./reg.js";
import { registerImageHiveHook } from "./reg-image.js";

interface WriteOptions {
  backup: boolean;
  json?: boolean;
  verify?: boolean;
}

/**
 * A small edit checks what it touches (the keys on its path, every bin and cell header) before
 * and after; --verify reads the written file back and checks the whole hive.
 */
const saveOptions = (opts: WriteOptions, checkOnly?: { paths: string[]; subtrees?: boolean }) => ({
  backup: opts.backup,
  verify: Boolean(opts.verify),
  ...(checkOnly && !opts.verify ? { checkOnly } : {}),
});

const utf16z = (text: string) => new Uint8Array(Buffer.from(text + "\0", "utf16le"));

function parseInteger(text: string, bits: 32 | 64): bigint {
  const trimmed = text.trim();
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(trimmed)) throw new UsageError("bad-value", `${JSON.stringify(text)} is not a decimal or 0x-hex number`);
  const parsed = BigInt(trimmed);
  if (parsed >= 1n << BigInt(bits)) throw new UsageError("bad-value", `${text} does not fit in ${bits} bits`);
  return parsed;
}

function parseHex(text: string): Uint8Array {
  const digits = text.replace(/[\s,:]/g, "");
  if (digits.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(digits)) throw new UsageError("bad-value", `${JSON.stringify(text.slice(0, 40))} is not hex bytes (e.g. 01,02,ff or 0102ff)`);
  return new Uint8Array(Buffer.from(digits, "hex"));
}

/**
 * The bytes of a value given on the command line. REG_SZ, REG_EXPAND_SZ, REG_LINK: the text
 * plus a NUL; REG_MULTI_SZ: each VALUE argument is one item; REG_DWORD(_BIG_ENDIAN) and
 * REG_QWORD: decimal or 0x-hex; everything else (REG_BINARY, REG_NONE, numbered types): hex
 * bytes, with or without commas.
 */
export function valueBytes(type: number, args: string[]): Uint8Array {
  const one = () => {
    if (args.length !== 1) throw new UsageError("bad-value", `${regTypeName(type)} takes exactly one VALUE (got ${args.length})`);
    return args[0];
  };
  switch (type) {
    case RegType.SZ:
    case RegType.EXPAND_SZ:
    case RegType.LINK:
      return utf16z(one());
    case RegType.MULTI_SZ: {
      if (args.some((arg) => arg.length === 0)) throw new UsageError("bad-value", "REG_MULTI_SZ items cannot be empty (an empty item ends the list)");
      return new Uint8Array(Buffer.from(args.map((arg) => arg + "\0").join("") + "\0", "utf16le"));
    }
    case RegType.DWORD:
    case RegType.DWORD_BIG_ENDIAN: {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, Number(parseInteger(one(), 32)), type === RegType.DWORD);
      return out;
    }
    case RegType.QWORD: {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, parseInteger(one(), 64), true);
      return out;
    }
    default:
      return args.length === 0 ? new Uint8Array(0) : parseHex(args.join(""));
  }
}

async function openForEdit(hivePath: string, checkOnly?: { paths: string[]; subtrees?: boolean }, verify?: boolean): Promise<HiveEditor> {
  const hive = await openHiveArgument(hivePath, { useLogs: true });
  // The hive's bytes were read for this edit alone: the editor takes them without a copy.
  return editHive(hive, {}, { adopt: true, ...(checkOnly && !verify ? { checkOnly } : {}) });
}

function report(output: Output, opts: WriteOptions, what: string, saved: SaveResult, extra: Record<string, unknown> = {}): void {
  const warnings = saved.check.warnings.length;
  if (opts.json) {
    output.out(JSON.stringify({ action: what, path: saved.path, bytes: saved.bytes, backup: saved.backup ?? null, checkWarnings: warnings, ...extra }) + "\n");
    return;
  }
  const details = Object.entries(extra).map(([key, value]) => `${key} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
  output.out(`${what}: ${saved.path} (${saved.bytes} bytes${saved.backup ? `, original kept as ${saved.backup}` : ""}${details.length ? `; ${details.join(", ")}` : ""})\n`);
}

function printCheck(output: Output, path: string, checkResult: CheckResult, json: boolean): void {
  if (json) {
    output.out(JSON.stringify({ path, ...checkResult }, null, 2) + "\n");
    return;
  }
  output.out(`${path}: ${checkResult.ok ? "OK" : "FAILED"} (${checkResult.errors.length} errors, ${checkResult.warnings.length} warnings${checkResult.omitted ? `, ${checkResult.omitted} more not listed` : ""})\n`);
  const where = (issue: { offset?: number; path?: string }) =>
    [issue.path !== undefined ? `key ${JSON.stringify(issue.path)}` : "", issue.offset !== undefined ? `offset 0x${issue.offset.toString(16)}` : ""].filter(Boolean).join(", ");
  for (const error of checkResult.errors) output.out(`  error ${error.code}: ${error.message}${where(error) ? ` (${where(error)})` : ""}\n`);
  for (const warning of checkResult.warnings) output.out(`  warning ${warning.code}: ${warning.message}${where(warning) ? ` (${where(warning)})` : ""}\n`);
  const checkStats = checkResult.stats;
  output.out(`  ${checkStats.keys} keys, ${checkStats.values} values, ${checkStats.securityRecords} security records, ${checkStats.hiveBins} bins, ${checkStats.allocatedBytes} bytes allocated, ${checkStats.freeBytes} free, ${checkStats.leakedCells} leaked cells\n`);
}

const valueName = (name: string) => (name === "@" ? "" : name);

export function registerRegWrite(program: Command, output: Output): void {
  const reg = program.commands.find((command) => command.name() === "reg") ?? program.command("reg").description("Registry hives.");
  const writeOptions = (command: Command) =>
    command
      .option("--no-backup", "do not keep the original as HIVE.bak")
      .option("--json", "JSON output")
      .option("--verify", "check the whole hive before editing and read the written file back and check it (default: what the edit touches)");

  writeOptions(
    reg
      .command("set")
      .description(
        "Set a value. NAME @ is the default value. REG_SZ/EXPAND_SZ: text; MULTI_SZ: one VALUE argument per item; DWORD/QWORD: decimal or 0x-hex; BINARY, NONE or a type number: hex bytes (01,02,ff or 0102ff).",
      )
      .argument("<hive>", "hive file")
      .argument("<key>", "key path from the hive root (created with its parents if missing)")
      .argument("<name>", "value name (@ for the default value)")
      .argument("[value...]", "the data")
      .requiredOption("-t, --type <type>", "REG_SZ, sz, expand_sz, multi_sz, dword, qword, binary, none, ... or a number"),
  ).action(async (hivePath: string, keyPath: string, name: string, values: string[], opts: WriteOptions & { type: string }) => {
    const type = regTypeNumber(opts.type);
    if (type === undefined) throw new UsageError("bad-type", `unknown value type ${JSON.stringify(opts.type)}`);
    const data = valueBytes(type, values);
    const touched = { paths: [keyPath] };
    const editor = await openForEdit(hivePath, touched, opts.verify);
    editor.createKey(keyPath);
    editor.setValue(keyPath, valueName(name), type, data);
    report(output, opts, "set", saveHiveFile(hivePath, editor, saveOptions(opts, touched)), { key: keyPath, value: name === "" ? "@" : name, type: regTypeName(type), size: data.length });
  });

  writeOptions(
    reg
      .command("delete")
      .description("Delete a key with everything below it, or one value of it when NAME is given (@ = the default value).")
      .argument("<hive>", "hive file")
      .argument("<key>", "key path from the hive root")
      .argument("[name]", "value name (@ for the default value)"),
  ).action(async (hivePath: string, keyPath: string, name: string | undefined, opts: WriteOptions) => {
    // Deleting a key frees everything below it: that subtree is checked too.
    const touched = { paths: [keyPath], subtrees: name === undefined };
    const editor = await openForEdit(hivePath, touched, opts.verify);
    if (name === undefined) {
      editor.deleteKey(keyPath);
    } else if (!editor.deleteValue(keyPath, valueName(name))) {
      throw new NotFoundError("value-not-found", `no value ${JSON.stringify(name)} in key ${JSON.stringify(keyPath)}`, { path: keyPath });
    }
    report(output, opts, "deleted", saveHiveFile(hivePath, editor, saveOptions(opts, touched)), name === undefined ? { key: keyPath } : { key: keyPath, value: name === "" ? "@" : name });
  });

  writeOptions(
    reg
      .command("import")
      .description("Apply a .reg file (REGEDIT4 or version 5; UTF-16 or UTF-8): keys, values, [-KEY] and \"v\"=- deletions.")
      .argument("<hive>", "hive file")
      .argument("<file>", ".reg file")
      .option("--prefix <path>", "registry path of the hive root, e.g. HKEY_LOCAL_MACHINE\\SYSTEM (HKLM\\SYSTEM)")
      .option("--no-map-current-control-set", "keep CurrentControlSet as a literal key name"),
  ).action(async (hivePath: string, file: string, opts: WriteOptions & { prefix?: string; mapCurrentControlSet: boolean }) => {
    if (!existsSync(file)) throw new NotFoundError("file-not-found", `no such file: ${file}`, { path: file });
    // Peak memory should follow the hive, not the .reg file's garbage (issue 17's budget).
    preferSmallHeap();
    const editor = await openForEdit(hivePath);
    // Parsed as applied: only the file's bytes and its text are held, not a list of operations.
    // Read in windows as it is applied: neither the file nor its whole text is held.
    const progress = createProgress(output, { json: opts.json });
    let applied: ReturnType<typeof applyRegFile>;
    try {
      const { windows, characters } = regFileWindows(file, 1 << 16, progress.phase("importing"));
      const stream = readRegFileWindows(windows, file, characters);
      applied = applyRegFile(editor, stream.ops, { source: file, sizeHint: stream.characters, mapCurrentControlSet: opts.mapCurrentControlSet, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) });
    } finally {
      progress.stop();
    }
    report(output, opts, "imported", saveHiveFile(hivePath, editor, saveOptions(opts)), { ...applied });
  });

  reg
    .command("new")
    .description("Create an empty hive (regf 1.5) with a root key and a default security descriptor.")
    .argument("<hive>", "file to create")
    .option("--root <name>", "root key name", "ROOT")
    .option("--force", "overwrite an existing file (kept as HIVE.bak unless --no-backup)")
    .option("--no-backup", "do not keep an overwritten file as HIVE.bak")
    .option("--json", "JSON output")
    .action((hivePath: string, opts: WriteOptions & { root: string; force?: boolean }) => {
      const exists = existsSync(hivePath);
      if (exists && !opts.force) throw new RefusedError("file-exists", `${hivePath} already exists (use --force to replace it)`, { path: hivePath });
      const editor = createHive(opts.root);
      report(output, opts, "created", saveHiveBytes(hivePath, editor.serialize(), { backup: opts.backup }, exists), { root: opts.root });
    });

  reg
    .command("compact")
    .description("Rewrite a hive densely into a new file: same keys, values, classes, timestamps, flags and security.")
    .argument("<hive>", "hive file")
    .requiredOption("-o, --output <file>", "file to write (must not be the input)")
    .option("--json", "JSON output")
    .action(async (hivePath: string, opts: { output: string; json?: boolean }) => {
      if (existsSync(opts.output)) throw new RefusedError("file-exists", `${opts.output} already exists`, { path: opts.output });
      const hive = await openHiveArgument(hivePath, { useLogs: true });
      editHive(hive); // refuses a dirty hive its logs cannot recover
      const copy = copyHive(hive);
      const saved = saveHiveBytes(opts.output, copy.serialize(), { backup: false }, false);
      report(output, { backup: false, ...(opts.json ? { json: true } : {}) }, "compacted", saved, { from: hivePath, originalSize: hive.bytes.length });
    });

  reg
    .command("check")
    .description("Structural check: base block, bins, cells, references, sorted lists and hashes, security lists and counts, leaks.")
    .argument("<hive>", "hive file")
    .option("--json", "JSON output")
    .action((hivePath: string, opts: { json?: boolean }) => {
      if (!existsSync(hivePath)) throw new NotFoundError("file-not-found", `no such file: ${hivePath}`, { path: hivePath });
      const result = checkHive(new Uint8Array(readFileSync(hivePath)));
      printCheck(output, hivePath, result, Boolean(opts.json));
      if (!result.ok) output.exitCode = ExitCode.verifyFailed;
    });

  // IMAGE:HIVE targets (set/delete/import) go through the safe write path (src/apply).
  registerImageHiveHook(reg, output);
}
