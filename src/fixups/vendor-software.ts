/**
 * Software of the old hardware and of the previous hypervisor (reference §10): agents are
 * disabled (Start=4), PnP drivers set to demand start (3: they load again only if their device
 * reappears), backup/antivirus agents held back (3) and restored by the first-boot runner once
 * the network is configured. Every change records the original Start. At first boot the
 * vendor's programs are uninstalled with their own uninstallers (data/fixups/vendor-uninstall.yaml).
 * A driver named in a storage class filter list or on a boot path of the target is left alone.
 */
import { PlanError } from "../errors.js";
import { uninstallStep, type UninstallEntry } from "../firstboot/index.js";
import { overriddenStart } from "../windows/services.js";
import { readString, type RegistryKey } from "../windows/registry.js";
import { toolsHypervisor } from "../windows/vendor-tags.js";
import type { Service } from "../windows/schema.js";
import { serviceByName, serviceStart } from "./helpers.js";
import { fixupKnowledge } from "./knowledge.js";
import { emptyResult, findingsFor, type Fixup, type FixupContext } from "./types.js";

const ID = "vendor-software";
const UNINSTALL_KEYS = ["Microsoft\\Windows\\CurrentVersion\\Uninstall", "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"];
const MAX_UNINSTALL_ENTRIES = 5000;

const isDriver = (service: Service): boolean => service.type !== null && (service.type & 0xf) !== 0 && service.type < 0x10;
const startsAtBoot = (service: Service): boolean => service.installed && (overriddenStart(service) ?? 4) <= 2;

/** Programs under the Uninstall keys whose publisher and name match a vendor whose services were found. */
export function vendorPrograms(software: RegistryKey | undefined, vendors: Set<string>): UninstallEntry[] {
  if (!software || vendors.size === 0) return [];
  const rules = fixupKnowledge().uninstall.programs.filter((program) => [...vendors].some((vendor) => vendor === program.vendor || vendor.startsWith(program.vendor.split("/")[0])));
  const out: UninstallEntry[] = [];
  let seen = 0;
  for (const path of UNINSTALL_KEYS) {
    for (const key of software.key(path)?.subkeys() ?? []) {
      if (++seen > MAX_UNINSTALL_ENTRIES) return out;
      const displayName = readString(key, "DisplayName");
      const publisher = readString(key, "Publisher") ?? "";
      if (!displayName) continue;
      if (!rules.some((rule) => new RegExp(rule.publisher, "i").test(publisher) && new RegExp(rule.displayName, "i").test(displayName))) continue;
      if (readString(key, "SystemComponent") === "1") continue;
      const uninstallString = readString(key, "UninstallString");
      const quiet = readString(key, "QuietUninstallString");
      out.push({ name: key.name, displayName, ...(uninstallString ? { uninstallString } : {}), ...(quiet ? { quietUninstallString: quiet } : {}) });
    }
  }
  return out;
}

function protectedDrivers(context: FixupContext): Set<string> {
  const names = new Set<string>();
  for (const filter of context.model.bootStorage.filters) for (const service of filter.services) names.add(service.toLowerCase());
  const target = context.model.bootStorage.targets.find((candidate) => candidate.target === context.options.target);
  for (const path of target?.paths ?? []) for (const driver of path.drivers) names.add(driver.service.toLowerCase());
  return names;
}

export const vendorSoftwareFixup: Fixup = {
  id: ID,
  title: "Old hardware and hypervisor software off, uninstalled at first boot",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    const { model, options } = context;
    const extra = options.vendor.extraServices.map((extraService) => serviceByName(context, extraService)).filter((service): service is Service => service !== undefined && service.installed && service.start !== 4);
    if (this.detect(model, context.findings).length === 0 && extra.length === 0) return result;
    const keep = protectedDrivers(context);
    const vendors = new Set<string>();
    for (const item of model.services.items) {
      const tag = item.vendor;
      if (!tag || !startsAtBoot(item)) continue;
      const hv = toolsHypervisor(tag);
      const category = tag.category.split(":")[0];
      if (category === "management-agent") {
        result.services.push(serviceStart(context, ID, item, 4, `${tag.vendor} agent: its hardware is not in the VM`));
        vendors.add(tag.vendor);
      } else if (category === "storage-driver" || category === "nic-driver" || (hv !== undefined && options.target !== undefined && hv !== options.target)) {
        if (keep.has(item.name.toLowerCase())) {
          result.notices.push(`${item.name} is in a storage filter list or on a boot path of the target: its Start (${item.start}) is left as it is.`);
          continue;
        }
        if (hv !== undefined && !isDriver(item)) result.services.push(serviceStart(context, ID, item, 4, `${tag.vendor} guest tools: the VM runs on ${options.target}`));
        else result.services.push(serviceStart(context, ID, item, 3, `${tag.vendor} ${hv ? "guest tools driver" : category.replace("-", " ")}: demand start, loads only if its device is present`));
        vendors.add(tag.vendor);
      } else if (category === "backup-agent" || category === "antivirus") {
        if (context.firstBoot) {
          result.services.push(serviceStart(context, ID, item, 3, `${tag.vendor}: held back until the first-boot steps have configured the network, then restored`, { reEnable: true }));
        } else {
          result.notices.push(`${item.name} (${tag.vendor}) starts automatically and may stall the first boot on an isolated network; left as it is (no first-boot runner to restore it on this Windows).`);
        }
      }
    }
    for (const extraService of extra) if (!result.services.some((serviceStartChange) => serviceStartChange.service === extraService.name)) result.services.push(serviceStart(context, ID, extraService, 4, "listed in vendor.extraServices"));
    if (options.vendor.uninstall) {
      const programs = vendorPrograms(context.hives.software, vendors);
      if (programs.length > 0 && !context.firstBoot) {
        result.notices.push(`Uninstall by hand after the first boot: ${programs.map((program) => program.displayName ?? program.name).join(", ")}.`);
      } else {
        const ids = new Set<string>();
        for (const program of programs) {
          try {
            const step = uninstallStep(program, { fixup: ID });
            if (ids.has(step.id)) continue;
            ids.add(step.id);
            result.steps.push(step);
          } catch (err) {
            if (!(err instanceof PlanError)) throw err;
            result.notices.push(`${program.displayName ?? program.name}: ${err.message}; uninstall it by hand.`);
          }
        }
      }
    }
    return result;
  },
};
