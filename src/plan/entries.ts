/**
 * Plan file entries ↔ the change list. The plan shows registry changes as one-key entries
 * (`set: SYSTEM\...`), services with their original Start, and steps; `toChange` and friends
 * turn them back into RegistryChange / ServiceStartChange / FirstBootStep.
 */
import { PlanError } from "../errors.js";
import type { FirstBootStep, HiveName, RegData, RegistryChange, ServiceStartChange } from "../changes/change.js";
import { HIVES, type RegistryEntry, type ServiceEntry, type StepEntry } from "./schema.js";

export function registryToEntry(c: RegistryChange): RegistryEntry {
  const path = `${c.hive}\\${c.key}`;
  const reason = c.reason;
  switch (c.kind) {
    case "create-key":
      return { "create-key": path, reason };
    case "delete-key":
      return { "delete-key": path, reason };
    case "delete-value":
      return { "delete-value": path, name: c.name, reason };
    case "set-value": {
      const d = c.data;
      const restore = c.restoreAfterFirstBoot ? { restoreAfterFirstBoot: true } : {};
      if ("hex" in d) return { set: path, name: c.name, type: d.type, data: d.hex, reason, ...restore };
      if (d.type === "REG_QWORD") return { set: path, name: c.name, type: d.type, data: typeof d.value === "bigint" ? d.value.toString() : d.value, reason, ...restore };
      return { set: path, name: c.name, type: d.type, data: d.value, reason, ...restore };
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
export function entryToChange(e: RegistryEntry, fixup: string): RegistryChange {
  const reason = e.reason ?? "";
  if (e.set !== undefined) return { kind: "set-value", fixup, reason, ...splitPath(e.set), name: e.name!, data: entryData(e.type!, e.data!), ...(e.restoreAfterFirstBoot ? { restoreAfterFirstBoot: true } : {}) };
  if (e["delete-value"] !== undefined) return { kind: "delete-value", fixup, reason, ...splitPath(e["delete-value"]), name: e.name! };
  if (e["create-key"] !== undefined) return { kind: "create-key", fixup, reason, ...splitPath(e["create-key"]) };
  return { kind: "delete-key", fixup, reason, ...splitPath(e["delete-key"]!) };
}

export function serviceToEntry(serviceStartChange: ServiceStartChange): ServiceEntry {
  return { service: serviceStartChange.service, start: serviceStartChange.start, originalStart: serviceStartChange.originalStart, reEnable: serviceStartChange.reEnable, controlSets: serviceStartChange.controlSets, reason: serviceStartChange.reason };
}

export function entryToService(e: ServiceEntry, fixup: string): ServiceStartChange {
  return { fixup, reason: e.reason ?? "", service: e.service, start: e.start, originalStart: e.originalStart, reEnable: e.reEnable, controlSets: e.controlSets };
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

export function entryToStep(e: StepEntry): FirstBootStep {
  return {
    kind: "firstboot-step",
    fixup: e.fixup,
    reason: e.reason ?? (e.fixup === "user" ? "step added to the plan by the user" : ""),
    id: e.id,
    title: e.title ?? e.id,
    shell: e.shell,
    script: e.script.replace(/\r?\n/g, "\r\n"),
    timeoutSeconds: e.timeoutSeconds,
    retries: e.retries,
  };
}
