/**
 * A loaded plan → the change list apply writes: the enabled fixups' registry entries, their
 * service Start changes, and, when there are first-boot steps, the runner's own registry
 * edits (installRunner) with the steps and the held-back services.
 *
 * Re-applying a plan must change nothing: installRunner reads SYSTEM\Setup and the runner's
 * keys, which the first apply changed. When the image holds a runner this plan's apply armed
 * and that has not run yet, the runner is planned against the state before it (the original
 * Setup values it saved, no runner keys), which gives the same edits as the first time.
 */
import { PlanError } from "../errors.js";
import { FIRSTBOOT_KEY, installRunner, SETUP_ORIGINAL_KEY, type HeldService } from "../firstboot/index.js";
import { firstBootOnlyChanges, readFirstBootOnly, readRestoreList } from "../firstboot/restore-list.js";
import { RegType } from "../regf/internal.js";
import { readDword, readString, type RegistryKey, type RegistryValue } from "../windows/registry.js";
import type { FirstBootStep, RegistryChange, ServiceStartChange, VmLinkChange } from "../changes/change.js";
import { entryToChange, entryToService, entryToStep, serviceRegistryChanges } from "./entries.js";
import { stepsWithNicEdits } from "./nics.js";
import type { PlanFile } from "./schema.js";

export interface ExpandedPlan {
  registry: RegistryChange[];
  services: ServiceStartChange[];
  steps: FirstBootStep[];
  vm: VmLinkChange | null;
  notices: string[];
}

function stringValue(name: string, type: number, text: string | string[]): RegistryValue {
  const bytes = Array.isArray(text)
    ? new Uint8Array(Buffer.from(text.map((line) => line + "\u0000").join("") + "\u0000", "utf16le"))
    : new Uint8Array(Buffer.from(text + "\u0000", "utf16le"));
  return {
    name,
    type,
    data: () => bytes,
    string: () => (Array.isArray(text) ? text[0] ?? "" : text),
    multiString: () => (Array.isArray(text) ? text : [text]),
    dword: () => undefined,
    qword: () => undefined,
  };
}

function dwordValue(name: string, value: number): RegistryValue {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return { name, type: RegType.DWORD, data: () => bytes, string: () => "", multiString: () => [], dword: () => value, qword: () => undefined };
}

/** A key with fixed values and no subkeys. */
function fixedKey(name: string, path: string, values: RegistryValue[]): RegistryKey {
  const find = (valueName: string) => values.find((value) => value.name.toLowerCase() === valueName.toLowerCase());
  return { name, path, subkeys: () => [], subkey: () => undefined, key: (keyPath) => (keyPath === "" ? fixedKey(name, path, values) : undefined), values: () => values, value: find };
}

/** `root` with its top-level subkey `name` replaced (or hidden when `replacement` is undefined). */
function withSubkey(root: RegistryKey, name: string, replacement: RegistryKey | undefined): RegistryKey {
  const is = (keyName: string) => keyName.toLowerCase() === name.toLowerCase();
  const first = (keyPath: string) => keyPath.split("\\")[0];
  return {
    name: root.name,
    path: root.path,
    subkeys: () => root.subkeys().flatMap((subkey) => (is(subkey.name) ? (replacement ? [replacement] : []) : [subkey])),
    subkey: (keyName) => (is(keyName) ? replacement : root.subkey(keyName)),
    key: (keyPath) => (is(first(keyPath)) ? (keyPath.includes("\\") ? replacement?.key(keyPath.slice(keyPath.indexOf("\\") + 1)) : replacement) : root.key(keyPath)),
    values: () => root.values(),
    value: (valueName) => root.value(valueName),
  };
}

/**
 * The hives as they were before an armed, not yet run p2vfix runner, or the hives themselves.
 * Armed = SOFTWARE\p2vfix\FirstBoot State "armed" and, for the Setup hook, SYSTEM\Setup CmdLine
 * still the one the runner recorded as installed.
 */
export function hivesBeforeRunner(system: RegistryKey, software: RegistryKey | undefined): { system: RegistryKey; software: RegistryKey | undefined } {
  const state = readString(software?.key(FIRSTBOOT_KEY), "State");
  if (!software || state !== "armed") return { system, software };
  const hiddenSoftware = withSubkey(software, "p2vfix", undefined);
  const original = software.key(SETUP_ORIGINAL_KEY);
  const setup = system.subkey("Setup");
  if (!original || !setup || readString(setup, "CmdLine") !== readString(original, "Installed")) return { system, software: hiddenSoftware };
  // Setup as it was: its other values, with SetupType and CmdLine from the saved originals.
  const kept = setup.values().filter((registryValue) => !["setuptype", "cmdline"].includes(registryValue.name.toLowerCase()));
  const values = [...kept, dwordValue("SetupType", readDword(original, "SetupType") ?? 0)];
  const cmdType = readString(original, "CmdLineType");
  const cmd = original.value("CmdLine");
  if (cmdType === "MultiString" && cmd) values.push(stringValue("CmdLine", RegType.MULTI_SZ, cmd.multiString()));
  else if (cmdType === "ExpandString" && cmd) values.push(stringValue("CmdLine", RegType.EXPAND_SZ, cmd.string()));
  else if (cmdType === "String" && cmd) values.push(stringValue("CmdLine", RegType.SZ, cmd.string()));
  const before = fixedKey(setup.name, setup.path, values);
  return { system: withSubkey(system, "Setup", before), software: hiddenSoftware };
}

export function expandPlan(plan: PlanFile, hives: { system: RegistryKey; software?: RegistryKey }): ExpandedPlan {
  const enabled = plan.fixups.filter((fixup) => fixup.enabled);
  const disabled = new Set(plan.fixups.filter((fixup) => !fixup.enabled).map((fixup) => fixup.id));
  const registry: RegistryChange[] = [];
  const services: ServiceStartChange[] = [];
  for (const fixup of enabled) {
    for (const entry of fixup.registry) registry.push(entryToChange(entry, fixup.id));
    for (const service of fixup.services) {
      const change = entryToService(service, fixup.id);
      services.push(change);
      registry.push(...serviceRegistryChanges(change));
    }
  }
  const notices: string[] = [];
  const steps = stepsWithNicEdits(plan).filter((stepsWithNicEdit) => !disabled.has(stepsWithNicEdit.fixup)).map(entryToStep);
  const held: HeldService[] = services.filter((service) => service.reEnable && service.originalStart !== null).map((serviceStartChange) => ({ name: serviceStartChange.service, originalStart: serviceStartChange.originalStart! }));
  const restoring = firstBootOnlyChanges(registry).length > 0;
  if (plan.firstBoot && (steps.length > 0 || restoring)) {
    if (!hives.software) throw new PlanError("no-software-hive", "the plan has first-boot steps, which live in the SOFTWARE hive, and the target has none");
    const view = hivesBeforeRunner(hives.system, hives.software);
    const armed = view.software !== hives.software ? readRestoreList(hives.software) : [];
    const runner = installRunner({
      system: view.system,
      ...(view.software ? { software: view.software } : {}),
      steps,
      heldServices: held,
      mechanism: plan.firstBoot.mechanism,
      maxBoots: plan.firstBoot.maxBoots,
      pnpSettleSeconds: plan.firstBoot.pnpSettleSeconds,
      rebootWhenRequired: plan.firstBoot.rebootWhenRequired,
      setupDeadlineSeconds: plan.firstBoot.setupDeadlineSeconds,
      firstBootOnly: readFirstBootOnly(registry, { system: view.system, ...(view.software ? { software: view.software } : {}) }, armed),
    });
    registry.push(...runner.changes);
    notices.push(...runner.notices);
    if (runner.hooks.length === 0 && held.length > 0) {
      throw new PlanError("held-services-without-runner", `services ${held.map((heldService) => heldService.name).join(", ")} are held back for the first-boot runner, which cannot be installed here (${runner.notices.join(" ")}); set their reEnable to false or remove them`);
    }
  } else if (restoring) {
    notices.push(`No first-boot runner: the values set for the first boot only (${firstBootOnlyChanges(registry).map((firstBootOnlyChange) => firstBootOnlyChange.name).join(", ")}) stay as set; put them back by hand after the first boot.`);
  } else if (held.length > 0) {
    throw new PlanError("held-services-without-runner", `services ${held.map((heldService) => heldService.name).join(", ")} are held back (reEnable: true) but the plan has no first-boot steps to restore them after`);
  }
  const vm: VmLinkChange | null = plan.vm
    ? { kind: "vm-link", fixup: "vm-link", reason: plan.vm.reason ?? "", file: plan.vm.file, nic: plan.vm.nic.all ? { all: true } : { ...(plan.vm.nic.mac ? { mac: plan.vm.nic.mac } : {}), ...(plan.vm.nic.index !== undefined ? { index: plan.vm.nic.index } : {}) }, up: plan.vm.link === "up" }
    : null;
  return { registry, services, steps, vm, notices };
}
