/** Small builders the fixups share: control sets to edit, service Start changes, key paths. */
import type { RegData, RegistryChange, ServiceStartChange } from "../changes/change.js";
import { controlSetName } from "../windows/control-sets.js";
import type { Service } from "../windows/schema.js";
import type { FixupContext } from "./types.js";

/**
 * Control sets a change goes to: the resolved one, plus `Current` when it differs (reference
 * §1); with `all`, every ControlSet00N (boot-critical storage changes, so Last Known Good boots).
 */
export function controlSetsToEdit(context: FixupContext, all = false): string[] {
  const cs = context.model.controlSets;
  if (all) return [...cs.available];
  const out = [cs.resolved];
  if (cs.current !== null) {
    const current = cs.available.find((setName) => setName.toLowerCase() === controlSetName(cs.current!).toLowerCase());
    if (current && !out.includes(current)) out.push(current);
  }
  return out;
}

export function serviceByName(context: FixupContext, name: string): Service | undefined {
  const lower = name.toLowerCase();
  return context.model.services.items.find((service) => service.name.toLowerCase() === lower);
}

export function serviceStart(
  context: FixupContext,
  fixup: string,
  service: Service,
  start: number,
  reason: string,
  options: { reEnable?: boolean; allControlSets?: boolean } = {},
): ServiceStartChange {
  return {
    fixup,
    reason,
    service: service.name,
    originalStart: service.start,
    start,
    reEnable: options.reEnable ?? false,
    controlSets: controlSetsToEdit(context, options.allControlSets ?? false),
  };
}

/** A set-value on SYSTEM under a control set: `rel` is relative to the control set. */
export function setSystem(fixup: string, controlSet: string, rel: string, name: string, data: RegData, reason: string): RegistryChange {
  return { kind: "set-value", fixup, hive: "SYSTEM", key: `${controlSet}\\${rel}`, name, data, reason };
}

export const dword = (value: number): RegData => ({ type: "REG_DWORD", value });
export const sz = (value: string): RegData => ({ type: "REG_SZ", value });
export const multi = (value: string[]): RegData => ({ type: "REG_MULTI_SZ", value });

/** "SYSTEM\ControlSet001\Services\..." (model evidence form) → "ControlSet001\Services\...". */
export function stripHive(path: string): { hive: string; key: string } {
  const cut = path.indexOf("\\");
  return cut < 0 ? { hive: path, key: "" } : { hive: path.slice(0, cut), key: path.slice(cut + 1) };
}

export function isVistaOrLater(context: FixupContext): boolean {
  const build = context.model.installation.build;
  return build === null || build >= 6000;
}
