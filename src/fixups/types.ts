/**
 * A fixup: one concern of a P2V first boot (NCSI, stale static IP, vendor software, boot
 * storage...). `detect` picks the model's findings it addresses; `plan` turns the model and
 * the options into data: registry edits, service Start changes (with the original Start) and
 * first-boot steps. Both are pure: dry run, diff and apply all start from what `plan` returns.
 */
import type { FirstBootStep, RegistryChange, ServiceStartChange } from "../changes/change.js";
import type { WindowsHives } from "../windows/registry.js";
import type { WindowsModel } from "../windows/model.js";
import type { Finding } from "../windows/schema.js";
import type { FixupOptions } from "./options.js";

export interface FixupContext {
  model: WindowsModel;
  findings: Finding[];
  /** Raw read access for what the model does not carry (other control sets, Uninstall entries). */
  hives: WindowsHives;
  options: FixupOptions;
  /** A first-boot runner can run steps here (Vista or later, SOFTWARE hive present). */
  firstBoot: boolean;
}

export interface FixupResult {
  registry: RegistryChange[];
  services: ServiceStartChange[];
  steps: FirstBootStep[];
  /** Sentences for the person reading the plan: what was left to do by hand, and why. */
  notices: string[];
}

export interface Fixup {
  id: string;
  title: string;
  /**
   * Its registry values are for the first boot only (crash AutoReboot, NCSI, CRL, SAN policy):
   * runFixups flags each set-value change, and the runner puts the original back at the end.
   */
  firstBootOnly?: boolean;
  /** The findings this fixup addresses (those whose `fixup` field names it). */
  detect(model: WindowsModel, findings: Finding[]): Finding[];
  plan(context: FixupContext): FixupResult;
}

export function emptyResult(): FixupResult {
  return { registry: [], services: [], steps: [], notices: [] };
}

/** The findings whose `fixup` is `id`. */
export function findingsFor(id: string): Fixup["detect"] {
  return (_model, findings) => findings.filter((finding) => finding.fixup === id);
}
