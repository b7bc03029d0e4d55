/** Plans: build from the model, write/read YAML, expand to changes, diff, apply. */
export { buildPlan, type BuildPlanInput, type BuiltPlan } from "./build.js";
export { planToYaml } from "./yaml-writer.js";
export { loadPlan, parsePlan } from "./load.js";
export { expandPlan, hivesBeforeRunner, type ExpandedPlan } from "./expand.js";
export { applyRegistryChanges, type DiffEntry } from "../changes/apply-registry-changes.js";
export { renderDiff, type DiffInput } from "./diff.js";
export { applyPlan, type ApplyOptions, type ApplyReport } from "./apply.js";
export { applyVmLink, restoreVmLinks, vmSidecarPath, type VmLinkOutcome } from "./vm-link.js";
export { loadProfile, profileNames, resolveOptions, type Profile } from "./profiles.js";
export { PlanFile, PLAN_VERSION, planJsonSchema } from "./schema.js";
export { encodeRegData, describeRegBytes, describeRegData } from "../changes/reg-data.js";
export type * from "../changes/change.js";
