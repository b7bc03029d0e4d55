/** The whole inspection: model + findings for a target, in the versioned report shape. */
import { UsageError } from "../errors.js";
import { detectFindings } from "./findings/index.js";
import { knowledge } from "./knowledge.js";
import { buildModel, type ModelOptions } from "./model.js";
import type { WindowsHives } from "./registry.js";
import type { InspectReport } from "./schema.js";
import { INSPECT_SCHEMA_VERSION } from "./schema-version.js";

export const TARGETS = ["hyperv", "vmware", "kvm", "xen"] as const;

export function inspectWindows(hives: WindowsHives, options: ModelOptions & { target?: string } = {}): InspectReport {
  if (options.target !== undefined && !(options.target in knowledge().boot.targets)) {
    throw new UsageError("bad-target", `unknown target hypervisor ${JSON.stringify(options.target)}: use ${TARGETS.join(", ")}`);
  }
  const model = buildModel(hives, options);
  const context = options.target === undefined ? {} : { target: options.target };
  return { schemaVersion: INSPECT_SCHEMA_VERSION, target: options.target ?? null, ...model, findings: detectFindings(model, context) };
}
