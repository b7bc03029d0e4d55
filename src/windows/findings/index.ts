/** Every finding rule, in report order (most severe concerns first). */
import type { WindowsModel } from "../model.js";
import type { Finding } from "../schema.js";
import { backupAvAgent } from "./backup-av-agent.js";
import { bootController, bootDriverMissing } from "./boot-driver-missing.js";
import { crashAutoReboot } from "./crash-auto-reboot.js";
import { domainController } from "./domain-controller.js";
import { fastStartup, hibernated } from "./hibernation.js";
import { hypervisorTools } from "./hypervisor-tools.js";
import { ncsiActiveProbing } from "./ncsi-active-probing.js";
import { nicDriverMissing } from "./nic-driver-missing.js";
import { nicTeaming } from "./nic-teaming.js";
import { pendingReboot } from "./pending-reboot.js";
import { previousFirstBoot } from "./previous-firstboot.js";
import { staleStaticIp } from "./stale-static-ip.js";
import { storageFilterBroken } from "./storage-filter-broken.js";
import type { FindingContext, FindingRule } from "./types.js";
import { vendorAgent } from "./vendor-agent.js";
import { vendorDriver } from "./vendor-driver.js";

export const findingRules: readonly FindingRule[] = [
  hibernated,
  bootDriverMissing,
  bootController,
  nicDriverMissing,
  storageFilterBroken,
  staleStaticIp,
  nicTeaming,
  ncsiActiveProbing,
  vendorAgent,
  vendorDriver,
  hypervisorTools,
  fastStartup,
  pendingReboot,
  domainController,
  backupAvAgent,
  crashAutoReboot,
  previousFirstBoot,
];

/** Every finding id the rules can produce ("boot-driver-missing:" is followed by the target). */
export const FINDING_IDS = [
  "hibernated",
  "boot-driver-missing:<target>",
  "boot-controller:<target>",
  "nic-driver-missing:<target>",
  "storage-filter-broken",
  "stale-static-ip",
  "nic-teaming",
  "ncsi-active-probing",
  "vendor-agent",
  "vendor-driver",
  "hypervisor-tools",
  "fast-startup",
  "pending-reboot",
  "domain-controller",
  "backup-av-agent",
  "crash-auto-reboot",
  "previous-firstboot",
] as const;

const ORDER = { problem: 0, warning: 1, info: 2 } as const;

export function detectFindings(model: WindowsModel, context: FindingContext = {}): Finding[] {
  const all = findingRules.flatMap((rule) => rule(model, context));
  return all.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

export type { FindingContext, FindingRule } from "./types.js";
