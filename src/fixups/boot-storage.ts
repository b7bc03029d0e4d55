/**
 * Boot storage for the target hypervisor (reference §9): on every boot path of the target
 * whose drivers are installed and whose hardware id is bound (CriticalDeviceDatabase or
 * DriverDatabase), each driver gets Start=0 and loses the StartOverride that demotes it, in
 * every control set (so Last Known Good boots too). A storage class filter list naming a
 * service that cannot start loses that name (the SAN policy for the data disks is
 * san-policy.ts). Drivers that are not installed cannot be added offline: the plan says which,
 * and which controller the VM must boot from instead (the model's advice).
 */
import type { RegistryChange } from "../changes/change.js";
import { usablePath } from "../windows/boot-storage.js";
import { multi, serviceByName, serviceStart } from "./helpers.js";
import { emptyResult, findingsFor, type Fixup } from "./types.js";

const ID = "boot-storage";

export const bootStorageFixup: Fixup = {
  id: ID,
  title: "Boot storage driver of the target loads (no STOP 0x7B)",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    const { model, options, hives } = context;
    const found = this.detect(model, context.findings);
    if (found.length === 0) return result;
    const reg: RegistryChange[] = result.registry;
    const allSets = [...model.controlSets.available];
    const target = model.bootStorage.targets.find((candidate) => candidate.target === options.target);
    if (target?.advice) result.notices.push(target.advice);
    if (target && !target.willLoad) {
      const fixable = target.paths.filter((path) => !path.ok && usablePath(path));
      const done = new Set<string>();
      for (const bootPath of fixable) {
        for (const driver of bootPath.drivers) {
          if (driver.state === "boot-start" || done.has(driver.service.toLowerCase())) continue;
          done.add(driver.service.toLowerCase());
          const service = serviceByName(context, driver.service)!;
          if (service.start !== 0) result.services.push(serviceStart(context, ID, service, 0, `boot path "${bootPath.description}" of ${target.name}: the driver must load at boot`, { allControlSets: true }));
          for (const cs of allSets) {
            const override = hives.system.key(`${cs}\\Services\\${service.name}\\StartOverride`);
            if (override) reg.push({ kind: "delete-key", fixup: ID, hive: "SYSTEM", key: `${cs}\\Services\\${service.name}\\StartOverride`, reason: `${service.name}: StartOverride demotes the boot driver on new hardware (${override.values().map((registryValue) => `${registryValue.name}=${registryValue.dword()}`).join(", ")})` });
          }
        }
      }
    }
    for (const filter of model.bootStorage.filters) {
      if (filter.broken.length === 0) continue;
      const broken = new Set(filter.broken.map((brokenEntry) => brokenEntry.service.toLowerCase()));
      const kept = filter.services.filter((service) => !broken.has(service.toLowerCase()));
      for (const cs of allSets) {
        const key = `${cs}\\Control\\Class\\${filter.classGuid}`;
        if (!hives.system.key(key)?.value(filter.list)) continue;
        reg.push({ kind: "set-value", fixup: ID, hive: "SYSTEM", key, name: filter.list, data: multi(kept), reason: `${filter.className} ${filter.list}: ${filter.broken.map((brokenEntry) => `${brokenEntry.service} (${brokenEntry.reason})`).join(", ")} would fail the whole storage stack` });
      }
    }
    return result;
  },
};
