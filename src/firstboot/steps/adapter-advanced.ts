/**
 * Step: per-adapter offload, jumbo frame and interrupt moderation settings of the new NIC,
 * written as the driver's standardized advanced keywords in its class key
 * (Control\Class\{4d36e972...}\NNNN, reference §3.1, §6). Only keywords the driver declares
 * under Ndi\Params are written; the adapter is then disabled and enabled (WMI) to apply them.
 * The script is data/firstboot/adapter-settings.ps1.
 */
import { PlanError } from "../../errors.js";
import type { FirstBootStep } from "../../changes/change.js";
import { PsValue } from "../powershell-text.js";
import { renderTemplate } from "../render-template.js";
import { findAdapterValue, type FindAdapter } from "./find-adapter.js";

/** Standardized INF keywords that switch task offloads (0 = disabled). */
export const OFFLOAD_KEYWORDS = [
  "*IPChecksumOffloadIPv4",
  "*TCPChecksumOffloadIPv4",
  "*TCPChecksumOffloadIPv6",
  "*UDPChecksumOffloadIPv4",
  "*UDPChecksumOffloadIPv6",
  "*LsoV1IPv4",
  "*LsoV2IPv4",
  "*LsoV2IPv6",
] as const;

export interface AdapterSettings {
  /** false: every offload keyword 0; true: checksum offloads 3 (Rx and Tx), LSO 1. */
  offload?: boolean;
  /** *JumboPacket in bytes (standard values 1514, 4088, 9014). */
  jumboPacket?: number;
  interruptModeration?: boolean;
  /** Any other keyword → value (as the driver's Ndi\Params enumeration expects). */
  keywords?: Record<string, string>;
}

const KEYWORD = /^\*?[A-Za-z0-9_]{1,64}$/;

export function adapterKeywords(settings: AdapterSettings): [string, string][] {
  const out = new Map<string, string>();
  if (settings.offload !== undefined) {
    for (const keyword of OFFLOAD_KEYWORDS) out.set(keyword, settings.offload ? (keyword.includes("Checksum") ? "3" : "1") : "0");
  }
  if (settings.jumboPacket !== undefined) {
    if (!Number.isInteger(settings.jumboPacket) || settings.jumboPacket < 1514 || settings.jumboPacket > 16384) throw new PlanError("bad-jumbo", `jumbo packet size must be 1514 to 16384, not ${settings.jumboPacket}`);
    out.set("*JumboPacket", String(settings.jumboPacket));
  }
  if (settings.interruptModeration !== undefined) out.set("*InterruptModeration", settings.interruptModeration ? "1" : "0");
  for (const [key, value] of Object.entries(settings.keywords ?? {})) {
    if (!KEYWORD.test(key)) throw new PlanError("bad-keyword", `not an adapter keyword name: ${JSON.stringify(key)}`);
    if (!/^[A-Za-z0-9 ._-]{0,64}$/.test(value)) throw new PlanError("bad-keyword-value", `value of ${key}: ${JSON.stringify(value)}`);
    out.set(key, value);
  }
  if (out.size === 0) throw new PlanError("empty-step", "adapter settings step with no setting");
  return [...out.entries()];
}

export function adapterAdvancedStep(options: FindAdapter & { settings: AdapterSettings; restartAdapter?: boolean; fixup?: string }): FirstBootStep {
  const pairs = adapterKeywords(options.settings);
  const script = renderTemplate("adapter-settings.ps1", {
    findAdapter: findAdapterValue(options),
    names: PsValue.stringArray(pairs.map((pair) => pair[0])),
    values: PsValue.stringArray(pairs.map((pair) => pair[1])),
    restartAdapter: PsValue.bool(options.restartAdapter ?? true),
  }).text;
  return {
    kind: "firstboot-step",
    fixup: options.fixup ?? "adapter-settings",
    reason: "offload, jumbo frame and interrupt moderation settings belong to the new NIC's driver, which exists only after its first installation",
    id: "adapter-settings",
    title: `NIC settings: ${pairs.map(([keyword, setting]) => `${keyword}=${setting}`).join(", ")}`,
    shell: "powershell",
    script,
    timeoutSeconds: 600,
    retries: 1,
  };
}
