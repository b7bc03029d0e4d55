/**
 * `p2vfix plan TARGET [--target H] [--keep-ip|--no-keep-ip] [--mac MAC] [--vm VMFILE [--nic N]]
 * [--profile NAME] [-o plan.yaml] [--json]`: a commented YAML plan chosen from the findings.
 * `--vm` takes the new NIC's MAC and the hypervisor from the VM definition and adds the
 * vm-link unplug. Without -o the plan goes to stdout.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { TARGET_HYPERVISORS } from "../../fixups/options.js";
import { buildPlan } from "../../plan/build.js";
import { loadProfile, profileNames, resolveOptions } from "../../plan/profiles.js";
import { planToYaml } from "../../plan/yaml-writer.js";
import { openVmConfig } from "../../vmconfig/index.js";
import type { Hypervisor } from "../../vmconfig/types.js";
import { loadWindows } from "../../windows/load.js";
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
  partition?: string;
  logs: boolean;
}

const TARGET_OF: Partial<Record<Hypervisor, (typeof TARGET_HYPERVISORS)[number]>> = { vmware: "vmware", kvm: "kvm", proxmox: "kvm", hyperv: "hyperv" };

type VmChoice = { file: string; mac?: string; index?: number; all?: true; macs: string[]; models: { mac?: string; model: string }[]; target?: (typeof TARGET_HYPERVISORS)[number] };

/** The VM's NIC(s): --nic or one --mac picks one; a VM with several NICs and neither gives them all, in order (their MACs go to the old adapters in order). */
function vmChoice(file: string, opts: PlanOptions): VmChoice {
  const config = openVmConfig(file);
  const nics = config.nics();
  const target = TARGET_OF[config.hypervisor];
  let nic = nics[0];
  if (opts.nic !== undefined) {
    nic = nics.find((n) => n.index === Number(opts.nic))!;
    if (!nic) throw new UsageError("nic-not-found", `${file} has no NIC ${opts.nic} (NICs: ${nics.map((n) => n.index).join(", ") || "none"})`);
  } else if (opts.mac.length === 1) {
    const want = opts.mac[0].replace(/[-:.]/g, "").toLowerCase();
    nic = nics.find((n) => n.mac?.replace(/:/g, "") === want)!;
    if (!nic) throw new UsageError("nic-not-found", `${file} has no NIC with MAC ${opts.mac[0]}`);
  } else if (opts.mac.length > 1) {
    const picked = opts.mac.map((m) => {
      const want = m.replace(/[-:.]/g, "").toLowerCase();
      const hit = nics.find((n) => n.mac?.replace(/:/g, "") === want);
      if (!hit) throw new UsageError("nic-not-found", `${file} has no NIC with MAC ${m}`);
      return hit;
    });
    return { file, all: true, macs: opts.mac, models: picked.map((n) => ({ ...(n.mac ? { mac: n.mac } : {}), model: n.model })), ...(target ? { target } : {}) };
  } else if (nics.length > 1 && opts.mac.length === 0) {
    const macs = nics.flatMap((n) => (n.mac ? [n.mac] : []));
    return { file, all: true, macs, models: nics.map((n) => ({ ...(n.mac ? { mac: n.mac } : {}), model: n.model })), ...(target ? { target } : {}) };
  } else if (nics.length !== 1) {
    throw new UsageError("ambiguous-nic", `${file} has ${nics.length} NICs: choose the new one with --nic N or --mac MAC, or give no --mac to use them all`);
  }
  return { file, index: nic.index, ...(nic.mac ? { mac: nic.mac } : {}), macs: nic.mac ? [nic.mac] : [], models: [{ ...(nic.mac ? { mac: nic.mac } : {}), model: nic.model }], ...(target ? { target } : {}) };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerPlan(program: Command, output: Output): void {
  program
    .command("plan")
    .description("Write a commented YAML plan of the fixups for this image's first boot on the new hypervisor")
    .argument("<target>", "disk image, folder with SYSTEM/SOFTWARE hives (or .reg exports), mounted Windows root, or SYSTEM hive file")
    .option("--target <hypervisor>", `target hypervisor (${TARGET_HYPERVISORS.join(", ")}); taken from --vm when given`)
    .option("--keep-ip", "move the old static IP configuration to the new NIC at first boot (profile default)")
    .option("--no-keep-ip", "clear the old static IP configuration only; the new NIC uses DHCP")
    .option("--mac <mac>", "MAC of a new NIC; repeat for several, given in order to the old adapters with a static configuration (taken from --vm when given)", collect, [])
    .option("--vm <vmfile>", "VM definition: the new NIC's MAC and the hypervisor; apply unplugs the NIC")
    .option("--nic <n>", "with --vm: the NIC number when the VM has several")
    .option("--profile <name>", `profile: ${profileNames().join(", ")}, or a YAML file`, "p2v-default")
    .option("-o, --output <file>", "write the plan here (default: stdout)")
    .option("--json", "the plan as JSON instead of YAML")
    .option("--partition <n>", "disk image with several Windows installations: the partition")
    .option("--no-logs", "do not replay transaction logs found beside the hives")
    .action((targetPath: string, opts: PlanOptions) => {
      if (opts.target !== undefined && !(TARGET_HYPERVISORS as readonly string[]).includes(opts.target)) {
        throw new UsageError("bad-target", `--target must be one of ${TARGET_HYPERVISORS.join(", ")}, not ${JSON.stringify(opts.target)}`);
      }
      const vm = opts.vm ? vmChoice(opts.vm, opts) : undefined;
      if (vm?.target && opts.target && vm.target !== opts.target) throw new UsageError("target-conflict", `--target ${opts.target} but ${opts.vm} is a ${vm.target} VM`);
      const target = (opts.target ?? vm?.target) as (typeof TARGET_HYPERVISORS)[number] | undefined;
      const macs = opts.mac.length > 0 ? opts.mac : (vm?.macs ?? []);
      const mac = macs[0];
      const profile = loadProfile(opts.profile);
      const options = resolveOptions(profile, { ...(target ? { target } : {}), ...(opts.keepIp !== undefined ? { keepIp: opts.keepIp } : {}), ...(mac ? { mac } : {}), ...(macs.length > 1 ? { macs } : {}), ...(vm ? { vmNics: vm.models } : {}) });
      const partition = opts.partition === undefined ? undefined : Number(opts.partition);
      if (partition !== undefined && !Number.isInteger(partition)) throw new UsageError("bad-partition", `--partition must be a number, not ${JSON.stringify(opts.partition)}`);
      const loaded = loadWindows(targetPath, { useLogs: opts.logs, ...(partition === undefined ? {} : { partition }) });
      let built;
      try {
        built = buildPlan({ hives: loaded.hives, modelOptions: loaded.options, options, source: targetPath, profile: profile.name, ...(vm ? { vm } : {}) });
      } finally {
        loaded.close();
      }
      const { plan } = built;
      if (vm && !vm.all && !vm.mac) plan.notices.push(`${opts.vm}: the NIC has no MAC yet (the hypervisor assigns it at start): the first-boot steps find the new NIC as the only new adapter.`);
      const text = opts.json ? JSON.stringify(plan, null, 2) + "\n" : planToYaml(plan);
      if (opts.output) {
        writeFileSync(opts.output, text);
        const registry = plan.fixups.reduce((n, f) => n + f.registry.length + f.services.length, 0);
        output.out(
          `plan written to ${opts.output}: ${plan.fixups.length} fixups (${plan.fixups.map((f) => f.id).join(", ")}), ${registry} registry/service changes, ${plan.firstBoot?.steps.length ?? 0} first-boot steps${plan.vm ? `, unplug ${plan.vm.nic.all ? "every NIC" : (plan.vm.nic.mac ?? `NIC ${plan.vm.nic.index}`)} in ${plan.vm.file}` : ""}\n`,
        );
        for (const u of plan.unaddressed) output.out(`to do by hand: ${u}\n`);
        for (const n of plan.nics.filter((x) => x.step === null)) output.out(`no new NIC for ${n.adapter}: ${n.configuration}\n`);
      } else output.out(text);
    });
}
