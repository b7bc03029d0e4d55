/** A finding rule: a small pure function from the model to zero or more findings. */
import type { WindowsModel } from "../model.js";
import type { Evidence, Finding } from "../schema.js";

export interface FindingContext {
  /** Target hypervisor (hyperv, vmware, kvm, xen) when the user named one. */
  target?: string;
}

export type FindingRule = (model: WindowsModel, context: FindingContext) => Finding[];

/** Evidence for a value under the resolved control set of SYSTEM. */
export function systemEvidence(model: WindowsModel, relKey: string, value?: string, data?: string): Evidence {
  const evidence: Evidence = { key: `SYSTEM\\${model.controlSets.resolved}\\${relKey}` };
  if (value !== undefined) evidence.value = value;
  if (data !== undefined) evidence.data = data;
  return evidence;
}

export function softwareEvidence(relKey: string, value?: string, data?: string): Evidence {
  const evidence: Evidence = { key: `SOFTWARE\\${relKey}` };
  if (value !== undefined) evidence.value = value;
  if (data !== undefined) evidence.data = data;
  return evidence;
}

/** Data as the report shows it: numbers in decimal and hex, absent as "(absent)". */
export function shown(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return "(absent)";
  return typeof value === "number" ? `${value} (0x${value.toString(16)})` : value;
}
