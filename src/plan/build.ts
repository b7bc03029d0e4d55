/**
 * From the model to a plan: the findings are computed for the target, every fixup proposes its
 * changes, and the result becomes a PlanFile (the data the YAML writer prints and apply reads).
 */
import { FIXUPS, runFixups, stepRank, unaddressed } from "../fixups/index.js";
import type { FixupOptions } from "../fixups/options.js";
import { detectFindings } from "../windows/findings/index.js";
import { buildModel, type ModelOptions, type WindowsModel } from "../windows/model.js";
import type { WindowsHives } from "../windows/registry.js";
import type { Finding } from "../windows/schema.js";
import type { FirstBootStep } from "../changes/change.js";
import { mapNics } from "../fixups/nic-mapping.js";
import { describeTcpip, moveStepId } from "../fixups/static-ip.js";
import { registryToEntry, serviceToEntry, stepToEntry } from "./entries.js";
import { PLAN_VERSION, type PlanFile } from "./schema.js";

export interface BuildPlanInput {
  hives: WindowsHives;
  modelOptions?: ModelOptions;
  options: FixupOptions;
  /** What the plan is made from (image or folder path), recorded in the plan. */
  source: string;
  profile: string;
  /** The VM definition whose NIC apply unplugs (from `plan --vm`). */
  vm?: { file: string; mac?: string; index?: number; all?: true };
}

export interface BuiltPlan {
  plan: PlanFile;
  model: WindowsModel;
  findings: Finding[];
}

/** The runner needs PowerShell (Vista+; it decides finer itself) and the SOFTWARE hive for its steps. */
function runnerPossible(model: WindowsModel, hives: WindowsHives): boolean {
  const build = model.installation.build;
  return hives.software !== undefined && (build === null || build >= 6000);
}

export function buildPlan(input: BuildPlanInput): BuiltPlan {
  const model = buildModel(input.hives, input.modelOptions ?? {});
  const findings = detectFindings(model, input.options.target ? { target: input.options.target } : {});
  const firstBoot = runnerPossible(model, input.hives);
  const outcomes = runFixups({ model, findings, hives: input.hives, options: input.options, firstBoot });
  const steps = outcomes.flatMap((outcome) => outcome.steps).map((step, order) => ({ step, order })).sort((a, b) => stepRank(a.step.id) - stepRank(b.step.id) || a.order - b.order).map((ranked) => ranked.step);
  if (firstBoot && steps.length === 0 && outcomes.some((outcome) => outcome.services.some((service) => service.reEnable))) steps.push(waitForNetworkStep());
  const restores = outcomes.some((outcome) => outcome.registry.some((change) => change.kind === "set-value" && change.restoreAfterFirstBoot));
  const notices: string[] = [];
  if (!input.hives.software) notices.push("No SOFTWARE hive: first-boot steps, policies and the installed-program list are not planned.");
  else if (!firstBoot) notices.push(`Windows build ${model.installation.build} (XP / Server 2003) has no PowerShell for first-boot steps: only offline changes are planned; the notices say what to do by hand after the first boot.`);
  const inst = model.installation;
  const plan: PlanFile = {
    version: PLAN_VERSION,
    source: input.source,
    target: input.options.target ?? null,
    profile: input.profile,
    windows: { name: inst.family ?? inst.productName, build: inst.build, controlSet: model.controlSets.resolved, computerName: inst.computerName },
    fixups: outcomes.map((outcome) => ({
      id: outcome.fixup.id,
      title: outcome.fixup.title,
      enabled: true,
      findings: outcome.findings.map((finding) => finding.id),
      registry: outcome.registry.map(registryToEntry),
      services: outcome.services.map(serviceToEntry),
      notices: outcome.notices,
    })),
    firstBoot:
      firstBoot && (steps.length > 0 || restores || outcomes.some((outcome) => outcome.services.some((service) => service.reEnable)))
        ? { ...input.options.firstBoot, steps: steps.map(stepToEntry) }
        : null,
    vm: input.vm
      ? { file: input.vm.file, nic: input.vm.all ? { all: true } : { ...(input.vm.mac ? { mac: input.vm.mac } : {}), ...(input.vm.index !== undefined && !input.vm.mac ? { index: input.vm.index } : {}) }, link: "down", reason: "boot the first time with the cable unplugged: no DHCP, APIPA, NLA or NCSI wait before the new NIC is set up" }
      : null,
    nics: nicEntries(model, input.options, outcomes.some((outcome) => outcome.fixup.id === "static-ip") && firstBoot, steps),
    notices,
    unaddressed: unaddressed(model, findings).map((finding) => `${finding.id}: ${finding.title}`),
  };
  return { plan, model, findings };
}

/** The plan's `nics:` list: every old adapter with a static configuration, the NIC that takes it and its step. */
function nicEntries(model: WindowsModel, options: FixupOptions, moving: boolean, steps: FirstBootStep[]): PlanFile["nics"] {
  if (!moving || !options.keepIp) return [];
  const mapping = mapNics(model, options);
  const ids = new Set(steps.map((step) => step.id));
  const entry = (oldAdapter: (typeof mapping.unmapped)[number], mac: string | null, step: string | null): PlanFile["nics"][number] => ({
    adapter: oldAdapter.label,
    interface: oldAdapter.adapter.netCfgInstanceId,
    configuration: describeTcpip(oldAdapter.tcpip),
    mac,
    step: step !== null && ids.has(step) ? step : null,
  });
  return [
    ...mapping.assigned.map((nicAssignment, i) => entry(nicAssignment, nicAssignment.mac, moveStepId(i, mapping.assigned.length))),
    ...mapping.unmapped.map((oldAdapter) => entry(oldAdapter, null, null)),
  ];
}

/**
 * Held-back services are restored by the runner after its steps; when no fixup asked for a
 * step, this one gives the runner something to wait for: an adapter with a routable IPv4
 * address (not APIPA), for at most 10 minutes.
 */
function waitForNetworkStep(): FirstBootStep {
  return {
    kind: "firstboot-step",
    fixup: "hold-services",
    reason: "the held-back services are restored once the network is configured",
    id: "wait-for-network",
    title: "Wait for an IPv4 address",
    shell: "powershell",
    script: [
      "$deadline = (Get-Date).AddSeconds(600)",
      "while ((Get-Date) -lt $deadline) {",
      "  $up = @(Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=TRUE' | ForEach-Object { @($_.IPAddress) } | Where-Object { $_ -match '^\\d+\\.' -and $_ -notmatch '^169\\.254\\.' })",
      "  if ($up.Count -gt 0) { Write-Output ('address: ' + ($up -join ',')); exit 0 }",
      "  Start-Sleep -Seconds 5",
      "}",
      "Write-Output 'no IPv4 address after 600 s'",
      "exit 1",
    ].join("\r\n"),
    timeoutSeconds: 660,
    retries: 0,
  };
}

export { FIXUPS };
