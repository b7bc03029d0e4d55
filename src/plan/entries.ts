/**
 * Plan file entries ↔ the change list. The plan shows registry changes as one-key entries
 * (`set: SYSTEM\...`), services with their original Start, and steps; `toChange` and friends
 * turn them back into RegistryChange / ServiceStartChange / FirstBootStep.
 */
import { PlanError } from "../errors.js";
import type { FirstBootStep, HiveName, RegData, RegistryChange, ServiceStartChange } from "../changes/change.js";
import { HIVES, type RegistryEntry, type ServiceEntry, type StepEntry } from "./schema.js";

export function registryToEntry(change: RegistryChange): RegistryEntry {
  const path = `${change.hive}\\${change.key}`;
  const reason = change.reason;
  switch (change.kind) {
    case "create-key":
      return { "create-key": path, reason };
    case "delete-key":
      return { "delete-key": path, reason };
    case "delete-value":
      return { "delete-value": path, name: change.name, reason };
    case "set-value": {
      const data = change.data;
      const restore = change.restoreAfterFirstBoot ? { restoreAfterFirstBoot: true } : {};
      if ("hex" in data) return { set: path, name: change.name, type: data.type, data: data.hex, reason, ...restore };
      if (data.type === "REG_QWORD") return { set: path, name: change.name, type: data.type, data: typeof data.value === "bigint" ? data.value.toString() : data.value, reason, ...restore };
      return { set: path, name: change.name, type: data.type, data: data.value, reason, ...restore };
    }
  }
}

function splitPath(path: string): { hive: HiveName; key: string } {
  const cut = path.indexOf("\\");
  const hive = path.slice(0, cut).toUpperCase() as HiveName;
  if (!(HIVES as readonly string[]).includes(hive)) throw new PlanError("bad-hive", `unknown hive ${JSON.stringify(path.slice(0, cut))}`);
  return { hive, key: path.slice(cut + 1).replace(/\\+$/, "") };
}

function entryData(type: NonNullable<RegistryEntry["type"]>, data: NonNullable<RegistryEntry["data"]>): RegData {
  switch (type) {
    case "REG_SZ":
    case "REG_EXPAND_SZ":
      return { type, value: String(data) };
    case "REG_MULTI_SZ":
      return { type, value: data as string[] };
    case "REG_DWORD":
      return { type, value: data as number };
    case "REG_QWORD":
      return { type, value: typeof data === "string" ? BigInt(data) : (data as number) };
    case "REG_BINARY":
    case "REG_NONE":
      return { type, hex: String(data).replace(/[\s,:]/g, "").toLowerCase() };
    default:
      return { type, hex: String(data).replace(/[\s,:]/g, "").toLowerCase() };
  }
}

/** An entry as a change; `fixup` names the fixup it belongs to. The schema has checked its shape. */
export function entryToChange(entry: RegistryEntry, fixup: string): RegistryChange {
  const reason = entry.reason ?? "";
  if (entry.set !== undefined) return { kind: "set-value", fixup, reason, ...splitPath(entry.set), name: entry.name!, data: entryData(entry.type!, entry.data!), ...(entry.restoreAfterFirstBoot ? { restoreAfterFirstBoot: true } : {}) };
  if (entry["delete-value"] !== undefined) return { kind: "delete-value", fixup, reason, ...splitPath(entry["delete-value"]), name: entry.name! };
  if (entry["create-key"] !== undefined) return { kind: "create-key", fixup, reason, ...splitPath(entry["create-key"]) };
  return { kind: "delete-key", fixup, reason, ...splitPath(entry["delete-key"]!) };
}

export function serviceToEntry(serviceStartChange: ServiceStartChange): ServiceEntry {
  return { service: serviceStartChange.service, start: serviceStartChange.start, originalStart: serviceStartChange.originalStart, reEnable: serviceStartChange.reEnable, controlSets: serviceStartChange.controlSets, reason: serviceStartChange.reason };
}

export function entryToService(entry: ServiceEntry, fixup: string): ServiceStartChange {
  return { fixup, reason: entry.reason ?? "", service: entry.service, start: entry.start, originalStart: entry.originalStart, reEnable: entry.reEnable, controlSets: entry.controlSets };
}

/** The Start values a service change writes, one per control set. */
export function serviceRegistryChanges(serviceStartChange: ServiceStartChange): RegistryChange[] {
  return serviceStartChange.controlSets.map((cs) => ({
    kind: "set-value" as const,
    fixup: serviceStartChange.fixup,
    hive: "SYSTEM" as const,
    key: `${cs}\\Services\\${serviceStartChange.service}`,
    name: "Start",
    data: { type: "REG_DWORD" as const, value: serviceStartChange.start },
    reason: `${serviceStartChange.reason} (Start ${serviceStartChange.originalStart ?? "absent"} → ${serviceStartChange.start})`,
  }));
}

/** Scripts are kept with plain line feeds in the plan and CRLF in the image (cmd needs it). */
export function stepToEntry(firstBootStep: FirstBootStep): StepEntry {
  return { id: firstBootStep.id, title: firstBootStep.title, fixup: firstBootStep.fixup, shell: firstBootStep.shell, timeoutSeconds: firstBootStep.timeoutSeconds, retries: firstBootStep.retries, reason: firstBootStep.reason, script: firstBootStep.script.replace(/\r\n/g, "\n") };
}

export function entryToStep(entry: StepEntry): FirstBootStep {
  return {
    kind: "firstboot-step",
    fixup: entry.fixup,
    reason: entry.reason ?? (entry.fixup === "user" ? "step added to the plan by the user" : ""),
    id: entry.id,
    title: entry.title ?? entry.id,
    shell: entry.shell,
    script: entry.script.replace(/\r?\n/g, "\r\n"),
    timeoutSeconds: entry.timeoutSeconds,
    retries: entry.retries,
  };
}
