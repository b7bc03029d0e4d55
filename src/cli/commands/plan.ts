/**
 * `p2vfix plan TARGET [--target H] [--keep-ip|--no-keep-ip] [--mac MAC] [--vm VMFILE [--nic N]]
 * [--profile NAME] [-o plan.yaml] [--json]`: a commented YAML plan chosen from the findings.
 * `--vm` takes the new NIC's MAC and the hypervisor from the VM definition and adds the
 * vm-link unplug. Without -o the plan goes to stdout.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { DriverError, UsageError } from "../../errors.js";
import { isBootStorage } from "../../drivers/install-plan.js";
import { selectDrivers, targetOsOf } from "../../drivers/select.js";
import { openDriverSource } from "../../drivers/source.js";
import type { PlanFile } from "../../plan/schema.js";
import type { RegistryKey } from "../../windows/registry.js";
import { TARGET_HYPERVISORS } from "../../fixups/options.js";
import { buildPlan } from "../../plan/build.js";
import { expandPlan } from "../../plan/expand.js";
import { stepToEntry } from "../../plan/entries.js";
import { installStagedDriversStep } from "../../firstboot/index.js";
import { loadProfile, profileNames, resolveOptions } from "../../plan/profiles.js";
import { planToYaml } from "../../plan/yaml-writer.js";
import { openVmConfig } from "../../vmconfig/index.js";
import type { Hypervisor } from "../../vmconfig/types.js";
import { knowledge } from "../../windows/knowledge.js";
import { isControllerAdvice } from "../../windows/boot-storage.js";
import { loadWindows } from "../../windows/load.js";
import { parseTargetHypervisor, TARGET_HELP } from "../hypervisors.js";
import { planNotices, plural, renderNotices } from "../notices.js";
import { parseMacOption, parsePartition } from "../options.js";
import type { Output } from "../output.js";

interface PlanOptions {
  target?: string;
  keepIp?: boolean;
  mac: string[];
  vm?: string;
  nic?: string;
  profile: string;
  output?: string;
  json?: boolean;
  partition?: number;
  logs: boolean;
  drivers?: string;
  driver?: string[];
}

const TARGET_OF: Partial<Record<Hypervisor, (typeof TARGET_HYPERVISORS)[number]>> = { vmware: "vmware", kvm: "kvm", proxmox: "kvm", hyperv: "hyperv" };

export type VmChoice = { file: string; mac?: string; index?: number; all?: true; macs: string[]; models: { mac?: string; model: string }[]; target?: (typeof TARGET_HYPERVISORS)[number] };

/** The VM's NIC(s): --nic or one --mac picks one; a VM with several NICs and neither gives them all, in order (their MACs go to the old adapters in order). */
export function vmChoice(file: string, opts: Pick<PlanOptions, "mac" | "nic">): VmChoice {
  const config = openVmConfig(file);
  const nics = config.nics();
  const target = TARGET_OF[config.hypervisor];
  let nic = nics[0];
  if (opts.nic !== undefined) {
    nic = nics.find((candidate) => candidate.index === Number(opts.nic))!;
    if (!nic) throw new UsageError("nic-not-found", `${file} has no NIC ${opts.nic} (NICs: ${nics.map((candidate) => candidate.index).join(", ") || "none"})`);
  } else if (opts.mac.length === 1) {
    const want = opts.mac[0].replace(/[-:.]/g, "").toLowerCase();
    nic = nics.find((candidate) => candidate.mac?.replace(/:/g, "") === want)!;
    if (!nic) throw new UsageError("nic-not-found", `${file} has no NIC with MAC ${opts.mac[0]}`);
  } else if (opts.mac.length > 1) {
    const picked = opts.mac.map((mac) => {
      const want = mac.replace(/[-:.]/g, "").toLowerCase();
      const hit = nics.find((candidate) => candidate.mac?.replace(/:/g, "") === want);
      if (!hit) throw new UsageError("nic-not-found", `${file} has no NIC with MAC ${mac}`);
      return hit;
    });
    return { file, all: true, macs: opts.mac, models: picked.map((pickedNic) => ({ ...(pickedNic.mac ? { mac: pickedNic.mac } : {}), model: pickedNic.model })), ...(target ? { target } : {}) };
  } else if (nics.length > 1 && opts.mac.length === 0) {
    const macs = nics.flatMap((candidate) => (candidate.mac ? [candidate.mac] : []));
    return { file, all: true, macs, models: nics.map((candidate) => ({ ...(candidate.mac ? { mac: candidate.mac } : {}), model: candidate.model })), ...(target ? { target } : {}) };
  } else if (nics.length !== 1) {
    throw new UsageError("ambiguous-nic", `${file} has ${nics.length} NICs: choose the new one with --nic N or --mac MAC, or give no --mac to use them all`);
  }
  return { file, index: nic.index, ...(nic.mac ? { mac: nic.mac } : {}), macs: nic.mac ? [nic.mac] : [], models: [{ ...(nic.mac ? { mac: nic.mac } : {}), model: nic.model }], ...(target ? { target } : {}) };
}

/** What --target, --mac, --vm, --nic, --keep-ip and --profile ask for, checked: the VM's NIC(s), the target and the fixup options (plan and fix alike). */
export function resolvePlanRequest(opts: Pick<PlanOptions, "target" | "keepIp" | "mac" | "vm" | "nic" | "profile">) {
  const asked = opts.target === undefined ? undefined : parseTargetHypervisor(opts.target);
  // A MAC that is not one is a usage error (exit 2), never a silently dropped step.
  for (const macOption of opts.mac) parseMacOption(macOption);
  const vm = opts.vm ? vmChoice(opts.vm, opts) : undefined;
  if (vm?.target && asked && vm.target !== asked) throw new UsageError("target-conflict", `--target ${asked} but ${opts.vm} is a ${vm.target} VM`);
  const target = (asked ?? vm?.target) as (typeof TARGET_HYPERVISORS)[number] | undefined;
  const macs = opts.mac.length > 0 ? opts.mac : (vm?.macs ?? []);
  const mac = macs[0];
  const profile = loadProfile(opts.profile);
  const options = resolveOptions(profile, { ...(target ? { target } : {}), ...(opts.keepIp !== undefined ? { keepIp: opts.keepIp } : {}), ...(mac ? { mac } : {}), ...(macs.length > 1 ? { macs } : {}), ...(vm ? { vmNics: vm.models } : {}) });
  return { vm, target, profile, options };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The options that choose what the plan does (resolvePlanRequest reads them): plan and fix alike. */
export function withPlanRequestOptions(command: Command): Command {
  return command
    .option("--target <hypervisor>", `${TARGET_HELP}; taken from --vm when given`)
    .option("--keep-ip", "move the old static IP configuration to the new NIC at first boot (profile default)")
    .option("--no-keep-ip", "clear the old static IP configuration only; the new NIC uses DHCP")
    .option("--mac <mac>", "MAC of a new NIC; repeat for several, given in order to the old adapters with a static configuration (taken from --vm when given)", collect, [])
    .option("--vm <vmfile>", "VM definition: the new NIC's MAC(s) and the hypervisor; apply unplugs the NIC(s) for the first boot")
    .option("--nic <n>", "with --vm: the NIC number when the VM has several")
    .option("--profile <name>", `profile: ${profileNames().join(", ")}, or a YAML file`, "p2v-default")
    .option("--drivers <source>", "install drivers from this ISO, folder or .inf at apply (p2vfix drivers add)")
    .option("--driver <names>", "with --drivers: only these drivers (comma-separated)", (value: string, prev: string[] = []) => [...prev, ...value.split(",").filter((name) => name !== "")]);
}

/**
 * `--drivers`: checked now (a package must fit this Windows), recorded for apply; the choice as
 * notices. Drivers staged for Plug and Play also get a first-boot step, first in order (a NIC
 * driver must be installed before the network steps look for the new adapter): pnputil -i -a
 * on each staged INF (firstboot/steps/install-drivers.ts).
 */
export interface PlanDriversRequest {
  /** `--drivers`: an ISO, folder or .inf. */
  from: string;
  /** `--driver`: only these drivers (undefined: every one that fits). */
  only?: string[] | undefined;
  /** The image's hives (SOFTWARE missing: no first-boot step can be planned). */
  hives: { system: RegistryKey; software?: RegistryKey | undefined };
  /** The image or hive folder, as messages name it. */
  where: string;
  /** The runner's options when the plan has no first boot yet. */
  firstBootDefaults: Omit<NonNullable<PlanFile["firstBoot"]>, "steps">;
}

export function planDrivers(plan: PlanFile, { from, only, hives: { system, software }, where, firstBootDefaults }: PlanDriversRequest): string[] {
  const firstBoot = plan.firstBoot ?? (software ? { ...firstBootDefaults, steps: [] } : null);
  const source = openDriverSource(from);
  try {
    const selection = selectDrivers(source, targetOsOf(system, software, where), only);
    if (selection.chosen.length === 0) throw new DriverError("no-driver-for-windows", `${from}: no driver package fits ${selection.osDescription} (p2vfix drivers list --from ${from} --for ${where} --verbose says why)`, { path: from });
    plan.drivers = { from, ...(only ? { only } : {}), reason: `drivers for ${selection.osDescription}` };
    const notices = selection.chosen.map((driverChoice) => `Drivers: ${driverChoice.driver} from ${driverChoice.infPath} is installed at apply (${driverChoice.why}).`);
    // The boot-storage advice above was made from the image as it is; these drivers open more boot paths.
    const bootServices = new Set(selection.chosen.filter(isBootStorage).flatMap((driverChoice) => driverChoice.resolved.services.map((service) => service.name.toLowerCase())));
    const paths = plan.target ? (knowledge().boot.targets[plan.target]?.paths ?? []) : [];
    const opened = paths.filter((path) => path.drivers.length > 0 && path.drivers.every((driver) => bootServices.has(driver.toLowerCase())));
    if (opened.length > 0) {
      const sentence = `Drivers: with them the VM can also boot from the ${opened.map((bootPath) => bootPath.advice).join(", or the ")} once the plan is applied (p2vfix inspect --target ${plan.target} confirms it).`;
      notices.push(sentence);
      // The boot-storage fixup advised from the image as it is (e.g. "boot from IDE"): the drivers change that advice.
      const bootStorage = plan.fixups.find((fixup) => fixup.id === "boot-storage");
      if (bootStorage) bootStorage.notices = [...bootStorage.notices.filter((notice) => !isControllerAdvice(notice)), sentence];
    }
    const staged = selection.chosen.filter((driverChoice) => !isBootStorage(driverChoice));
    if (staged.length > 0 && software && selection.os.major >= 6) {
      const step = stepToEntry(installStagedDriversStep(staged.map((driverChoice) => driverChoice.driver)));
      plan.firstBoot = firstBoot ? { ...firstBoot, steps: [step, ...firstBoot.steps.filter((planned) => planned.id !== step.id)] } : null;
      if (!plan.firstBoot) notices.push(`Drivers: ${staged.map((driverChoice) => driverChoice.driver).join(", ")} are staged for Plug and Play (DevicePath); no first-boot runner is planned, so no pnputil step.`);
    }
    return notices;
  } finally {
    source.close();
  }
}

export function registerPlan(program: Command, output: Output): void {
  withPlanRequestOptions(
    program
      .command("plan")
      .description("Write a commented YAML plan of the fixups for this image's first boot on the new hypervisor")
      .argument("<target>", "disk image, folder with SYSTEM/SOFTWARE hives (or .reg exports), mounted Windows root, or SYSTEM hive file"),
  )
    .option("-o, --output <file>", "write the plan here (default: stdout)")
    .option("--json", "the plan as JSON instead of YAML")
    .option("--partition <n>", "disk image with several Windows installations: the partition", parsePartition)
    .option("--no-logs", "do not replay transaction logs found beside the hives")
    .addHelpText(
      "after",
      `
Examples:
  p2vfix plan disk.qcow2 --target Hyper-V --mac 00:15:5d:01:0a:02 -o plan.yaml
  p2vfix plan disk.vmdk --vm newvm.vmx --nic 1 -o plan.yaml   # MAC and hypervisor from the VM
  p2vfix plan /mnt/win --target kvm --no-keep-ip                # YAML to stdout, warnings to stderr`,
    )
    .action((targetPath: string, opts: PlanOptions) => {
      const { vm, profile, options } = resolvePlanRequest(opts);
      const partition = opts.partition;
      const loaded = loadWindows(targetPath, { useLogs: opts.logs, ...(partition === undefined ? {} : { partition }) });
      let built;
      let registryChanges = 0;
      try {
        built = buildPlan({ hives: loaded.hives, modelOptions: loaded.options, options, source: targetPath, profile: profile.name, ...(vm ? { vm } : {}) });
        // Counted as apply counts them (the runner's keys included), so the two numbers agree.
        registryChanges = expandPlan(built.plan, { system: loaded.hives.system, ...(loaded.hives.software ? { software: loaded.hives.software } : {}) }).registry.filter((change) => change.kind === "set-value" || change.kind === "delete-value").length;
        if (opts.drivers) built.plan.notices.push(...planDrivers(built.plan, { from: opts.drivers, only: opts.driver, hives: loaded.hives, where: targetPath, firstBootDefaults: options.firstBoot }));
      } finally {
        loaded.close();
      }
      const { plan } = built;
      if (vm && !vm.all && !vm.mac) plan.notices.push(`${opts.vm}: the NIC has no MAC yet (the hypervisor assigns it at start): the first-boot steps find the new NIC as the only new adapter.`);
      const text = opts.json ? JSON.stringify(plan, null, 2) + "\n" : planToYaml(plan);
      if (opts.output) {
        writeFileSync(opts.output, text);
        output.out(
          `plan written to ${opts.output}: ${plural(plan.fixups.length, "fixup")} (${plan.fixups.map((fixup) => fixup.id).join(", ")}), ${plural(registryChanges, "registry value")} to set or delete (apply skips those already in place), ${plural(plan.firstBoot?.steps.length ?? 0, "first-boot step")}${plan.vm ? `, unplug ${plan.vm.nic.all ? "every NIC" : (plan.vm.nic.mac ?? `NIC ${plan.vm.nic.index}`)} in ${plan.vm.file}` : ""}\n`,
        );
        output.out(renderNotices(planNotices(plan)));
      } else {
        output.out(text);
        // The plan itself is on stdout: the warnings go to stderr, where the person sees them.
        if (!opts.json) output.err(renderNotices(planNotices(plan)));
      }
    });
}
