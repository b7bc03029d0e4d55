/** Every fixup, in the order its changes appear in a plan (reference §14: storage, software, network, policies). */
import type { WindowsModel } from "../windows/model.js";
import type { Finding } from "../windows/schema.js";
import { bootStorageFixup } from "./boot-storage.js";
import { crashControlFixup } from "./crash-control.js";
import { crlCheckFixup } from "./crl-check.js";
import { ghostDevicesFixup } from "./ghost-devices.js";
import { hibernationFixup } from "./hibernation.js";
import { holdServicesFixup } from "./hold-services.js";
import { ncsiFixup } from "./ncsi.js";
import { sanPolicyFixup } from "./san-policy.js";
import { networkStackFixup } from "./network-stack.js";
import { staticIpFixup } from "./static-ip.js";
import { teamingFixup } from "./teaming.js";
import type { Fixup, FixupContext, FixupResult } from "./types.js";
import { vendorSoftwareFixup } from "./vendor-software.js";
import { windowsUpdateFixup } from "./windows-update.js";

export const FIXUPS: readonly Fixup[] = [
  bootStorageFixup,
  sanPolicyFixup,
  hibernationFixup,
  crashControlFixup,
  vendorSoftwareFixup,
  teamingFixup,
  staticIpFixup,
  ncsiFixup,
  holdServicesFixup,
  windowsUpdateFixup,
  crlCheckFixup,
  ghostDevicesFixup,
  networkStackFixup,
];

export const FIXUP_IDS: readonly string[] = FIXUPS.map((fixup) => fixup.id);

/**
 * Order of first-boot steps by id (reference §14 and the step generators' notes): ghosts out
 * first, then the network reset (it must precede the static IP), the address, tuning, proxy,
 * and the uninstallers last. Steps not listed keep their fixup order after these.
 */
const STEP_ORDER = ["remove-ghost-devices", "reset-network-stack", "move-static-ip", "tcp-autotuning", "adapter-settings", "winhttp-proxy"];

export function stepRank(id: string): number {
  // "move-static-ip-2": one step per old adapter ranks with its kind.
  const rank = STEP_ORDER.findIndex((stepId) => id === stepId || (id.startsWith(`${stepId}-`) && /^\d+$/.test(id.slice(stepId.length + 1))));
  return rank >= 0 ? rank : STEP_ORDER.length;
}

export interface FixupOutcome extends FixupResult {
  fixup: Fixup;
  findings: Finding[];
}

/** Runs every fixup not disabled in the options; keeps those with something to say. */
export function runFixups(context: FixupContext): FixupOutcome[] {
  const out: FixupOutcome[] = [];
  for (const fixup of FIXUPS) {
    if (context.options.disable.includes(fixup.id)) continue;
    const planned = fixup.plan(context);
    const result = fixup.firstBootOnly ? { ...planned, registry: planned.registry.map((change) => (change.kind === "set-value" ? { ...change, restoreAfterFirstBoot: true } : change)) } : planned;
    if (result.registry.length + result.services.length + result.steps.length + result.notices.length === 0) continue;
    out.push({ ...result, fixup, findings: fixup.detect(context.model, context.findings) });
  }
  return out;
}

/** Findings no fixup addresses (their fixup is "manual" or unknown): the plan lists them. */
export function unaddressed(model: WindowsModel, findings: Finding[]): Finding[] {
  return findings.filter((finding) => !FIXUPS.some((fixup) => fixup.detect(model, [finding]).length > 0));
}

export type { Fixup, FixupContext, FixupResult } from "./types.js";
export { FixupOptionsSchema, TARGET_HYPERVISORS, type FixupOptions, type FixupOptionsInput } from "./options.js";
