/**
 * Staged edits: what a person changes on the Computer Management and Registry Editor pages,
 * kept as the plan's own change list (RegistryChange / ServiceStartChange, fixup "console").
 * Each request is checked with the plan file's schema (RegistryEntry), exactly as a plan
 * entry typed by hand would be. Renames have no plan entry of their own, so they become what
 * they are on disk: create + copy (every value as its exact type and bytes) + delete.
 */
import { UsageError } from "../errors.js";
import { type Hive, type RegKey } from "../regf/internal.js";
import type { HiveName, RegistryChange, ServiceStartChange } from "../changes/change.js";
import { entryToChange } from "../plan/entries.js";
import { RegistryEntry } from "../plan/schema.js";
import { cleanKeyPath, findKey } from "./registry-view.js";

export const CONSOLE_FIXUP = "console";
/** A rename copies the subtree into the plan: bounded so the plan stays readable. */
export const MAX_RENAME_KEYS = 2000;
export const MAX_RENAME_VALUES = 10_000;

export interface StagedEdit {
  id: number;
  /** One line for the pending-edits list. */
  label: string;
  registry: RegistryChange[];
  service?: ServiceStartChange;
}

export type EditRequest =
  | { op: "set-value"; hive: string; key: string; name: string; type: string | number; data: string | number | string[] }
  | { op: "delete-value"; hive: string; key: string; name: string }
  | { op: "create-key"; hive: string; key: string }
  | { op: "delete-key"; hive: string; key: string }
  | { op: "rename-key"; hive: string; key: string; newName: string }
  | { op: "rename-value"; hive: string; key: string; name: string; newName: string }
  | { op: "service-start"; service: string; start: number };

const reason = (what: string) => `${what} in the web console`;

function entryChange(entry: Record<string, unknown>): RegistryChange {
  const parsed = RegistryEntry.safeParse(entry);
  if (!parsed.success) throw new UsageError("bad-edit", parsed.error.issues.map((issue) => `${issue.path.join(".") || "entry"}: ${issue.message}`).join("; "));
  return entryToChange(parsed.data, CONSOLE_FIXUP);
}

function checkName(name: unknown, what: string, max: number): string {
  if (typeof name !== "string" || name.length > max) throw new UsageError("bad-edit", `${what} must be text of at most ${max} characters`);
  return name;
}

function checkKeyName(name: unknown): string {
  const checked = checkName(name, "a key name", 255);
  if (checked === "" || checked.includes("\\")) throw new UsageError("bad-edit", "a key name is 1 to 255 characters without a backslash");
  return checked;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Every value of `key` and below, copied under `to`, as create-key / set-value changes. */
function copyTree(hive: HiveName, key: RegKey, to: string, why: string): RegistryChange[] {
  const out: RegistryChange[] = [];
  let keys = 0;
  let values = 0;
  const walk = (regKey: RegKey, dest: string, depth: number): void => {
    if (++keys > MAX_RENAME_KEYS || depth > 512) throw new UsageError("rename-too-large", `more than ${MAX_RENAME_KEYS} keys under ${key.path}: rename it with p2vfix reg export / import instead`);
    out.push({ kind: "create-key", fixup: CONSOLE_FIXUP, reason: why, hive, key: dest });
    for (const regValue of regKey.values()) {
      if (++values > MAX_RENAME_VALUES) throw new UsageError("rename-too-large", `more than ${MAX_RENAME_VALUES} values under ${key.path}: rename it with p2vfix reg export / import instead`);
      out.push({ kind: "set-value", fixup: CONSOLE_FIXUP, reason: why, hive, key: dest, name: regValue.name, data: { type: regValue.type, hex: hexOf(regValue.data()) } });
    }
    for (const subkey of regKey.subkeys()) walk(subkey, `${dest}\\${subkey.name}`, depth + 1);
  };
  walk(key, to, 0);
  return out;
}

export interface EditContext {
  /** The hive as the view shows it (image + earlier staged edits); undefined when absent or not writable. */
  writableHive(name: string): { name: HiveName; hive: Hive } | undefined;
  /** Control sets with Services\<service>, and its Start in the control set the next boot uses. */
  serviceStart(service: string): { controlSets: string[]; originalStart: number | null } | undefined;
}

/** Turns one request into a staged edit (without its id). */
export function stageEdit(request: EditRequest, context: EditContext): Omit<StagedEdit, "id"> {
  if (request.op === "service-start") {
    const service = checkName(request.service, "a service name", 255);
    const start = request.start;
    if (!Number.isInteger(start) || start < 0 || start > 4) throw new UsageError("bad-edit", "start type must be 0 (boot), 1 (system), 2 (automatic), 3 (manual) or 4 (disabled)");
    const found = context.serviceStart(service);
    if (!found) throw new UsageError("service-not-found", `no service ${JSON.stringify(service)} in any control set`);
    const change: ServiceStartChange = { fixup: CONSOLE_FIXUP, reason: reason("start type changed"), service, start, originalStart: found.originalStart, reEnable: false, controlSets: found.controlSets };
    return { label: `${service}: Start ${found.originalStart ?? "absent"} → ${start}`, registry: [], service: change };
  }
  const target = context.writableHive(String(request.hive));
  if (!target) throw new UsageError("hive-read-only", `${String(request.hive)} is not a hive the console can write (in disk images apply writes SYSTEM and SOFTWARE)`);
  const hive = target.name;
  const key = cleanKeyPath(checkName(request.key, "a key path", 32_767));
  const path = `${hive}\\${key}`;
  switch (request.op) {
    case "set-value": {
      const name = checkName(request.name, "a value name", 16_383);
      const change = entryChange({ set: path, name, type: request.type, data: request.data, reason: reason("value set") });
      return { label: `set ${path} ${JSON.stringify(name)}`, registry: [change] };
    }
    case "delete-value": {
      const name = checkName(request.name, "a value name", 16_383);
      return { label: `delete value ${path} ${JSON.stringify(name)}`, registry: [entryChange({ "delete-value": path, name, reason: reason("value deleted") })] };
    }
    case "create-key":
      if (key === "") throw new UsageError("bad-edit", "the hive root exists already");
      return { label: `create key ${path}`, registry: [entryChange({ "create-key": path, reason: reason("key created") })] };
    case "delete-key":
      if (key === "") throw new UsageError("bad-edit", "the hive root cannot be deleted");
      findKey(target.hive, key);
      return { label: `delete key ${path}`, registry: [entryChange({ "delete-key": path, reason: reason("key deleted") })] };
    case "rename-key": {
      if (key === "") throw new UsageError("bad-edit", "the hive root cannot be renamed");
      const newName = checkKeyName(request.newName);
      const from = findKey(target.hive, key);
      const parent = key.includes("\\") ? key.slice(0, key.lastIndexOf("\\")) : "";
      const to = parent === "" ? newName : `${parent}\\${newName}`;
      if (to.toUpperCase() !== key.toUpperCase() && target.hive.key(to)) throw new UsageError("key-exists", `${hive}\\${to} exists already`);
      const why = reason(`key renamed from ${from.name}`);
      if (to.toUpperCase() === key.toUpperCase()) throw new UsageError("bad-edit", "the new name differs only in case: keys are case-insensitive");
      return { label: `rename key ${path} → ${newName}`, registry: [...copyTree(hive, from, to, why), { kind: "delete-key", fixup: CONSOLE_FIXUP, reason: why, hive, key }] };
    }
    case "rename-value": {
      const name = checkName(request.name, "a value name", 16_383);
      const newName = checkName(request.newName, "a value name", 16_383);
      const value = findKey(target.hive, key).value(name);
      if (!value) throw new UsageError("value-not-found", `no value ${JSON.stringify(name)} in ${path}`);
      if (newName.toUpperCase() === name.toUpperCase()) throw new UsageError("bad-edit", "the new name differs only in case: value names are case-insensitive");
      if (findKey(target.hive, key).value(newName)) throw new UsageError("value-exists", `${path} has a value ${JSON.stringify(newName)} already`);
      const why = reason(`value renamed from ${JSON.stringify(name)}`);
      return {
        label: `rename value ${path} ${JSON.stringify(name)} → ${JSON.stringify(newName)}`,
        registry: [
          { kind: "set-value", fixup: CONSOLE_FIXUP, reason: why, hive, key, name: newName, data: { type: value.type, hex: hexOf(value.data()) } },
          { kind: "delete-value", fixup: CONSOLE_FIXUP, reason: why, hive, key, name },
        ],
      };
    }
    default:
      throw new UsageError("bad-edit", `unknown edit ${JSON.stringify((request as { op?: unknown }).op)}`);
  }
}
