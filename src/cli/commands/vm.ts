/**
 * `p2vfix vm show|unplug|plug VMFILE`: read a VM definition's NICs, disks and controllers, and
 * set a NIC's link down before the first boot (and up again after).
 */
import type { Command } from "commander";
import { ExitCode, UsageError } from "../../errors.js";
import { openVmConfig, type NicSelector, type VmConfig } from "../../vmconfig/index.js";
import type { Output } from "../output.js";

interface LinkOptions {
  nic?: string;
  mac?: string;
  all?: boolean;
  backup: boolean;
  force?: boolean;
  switch?: string;
  json?: boolean;
}

function selectorOf(options: LinkOptions): NicSelector {
  const selector: NicSelector = {};
  if (options.nic !== undefined) {
    if (!/^\d+$/.test(options.nic)) throw new UsageError("bad-nic", `--nic wants a number, got ${options.nic}`);
    selector.nic = Number(options.nic);
  }
  if (options.mac !== undefined) selector.mac = options.mac;
  if (options.all) selector.all = true;
  return selector;
}

function describe(vm: VmConfig): object {
  return {
    path: vm.path,
    format: vm.format,
    hypervisor: vm.hypervisor,
    name: vm.name ?? null,
    running: vm.running(),
    nics: vm.nics(),
    controllers: vm.controllers(),
    disks: vm.disks(),
  };
}

function show(vm: VmConfig, output: Output): void {
  const state = vm.running();
  output.out(`${vm.path}: ${vm.format} (${vm.hypervisor})${vm.name ? `, VM "${vm.name}"` : ""}\n`);
  output.out(`running: ${String(state.running)} (${state.evidence})\n`);
  output.out(`NICs:\n`);
  if (vm.nics().length === 0) output.out(`  none\n`);
  for (const nic of vm.nics()) {
    output.out(`  ${nic.index}  ${nic.id.padEnd(12)} ${nic.model.padEnd(10)} ${(nic.mac ?? "(assigned at start)").padEnd(18)} ${nic.connected ? "connected   " : "disconnected"} ${nic.network ?? ""}\n`);
  }
  output.out(`storage controllers:\n`);
  for (const controller of vm.controllers()) output.out(`  ${controller.id.padEnd(12)} ${controller.type.padEnd(12)} ${controller.model}\n`);
  output.out(`disks:\n`);
  for (const disk of vm.disks()) output.out(`  ${disk.id.padEnd(12)} ${disk.device.padEnd(6)} on ${disk.controller.padEnd(12)} ${disk.file ?? ""}\n`);
}

function link(path: string, options: LinkOptions, up: boolean, output: Output): void {
  const vm = openVmConfig(path);
  const selector = selectorOf(options);
  const switchOption = options.switch ? { switchName: options.switch } : {};
  const state = vm.running();
  if (!vm.editable || (state.running === true && !options.force)) {
    // No file to edit (Hyper-V), or a running VM whose file must not change under it.
    const commands = vm.liveCommand(selector, up, switchOption);
    if (options.json) output.out(`${JSON.stringify({ edited: false, running: state, commands }, null, 2)}\n`);
    else {
      if (vm.editable) output.err(`p2vfix: the VM is running (${state.evidence}): not editing ${path}; change the link live with:\n`);
      for (const command of commands) output.out(`${command}\n`);
    }
    if (vm.editable) output.exitCode = ExitCode.refused;
    return;
  }
  const edit = vm.setLink(selector, up);
  if (vm.dirty) vm.save({ backup: options.backup });
  if (options.json) {
    output.out(`${JSON.stringify({ edited: edit.changed.length > 0, backup: options.backup && edit.changed.length > 0 ? `${path}.bak` : null, ...edit }, null, 2)}\n`);
    return;
  }
  for (const nicChange of edit.changed) output.out(`${nicChange.nic.id}${nicChange.nic.mac ? ` (${nicChange.nic.mac})` : ""}: ${up ? "plugged" : "unplugged"} (line ${nicChange.line})\n`);
  for (const nic of edit.unchanged) output.out(`${nic.id}${nic.mac ? ` (${nic.mac})` : ""}: already ${up ? "connected" : "disconnected"}\n`);
  if (edit.changed.length > 0 && vm.format === "libvirt") {
    output.out(`libvirt keeps its own copy of the definition: apply this file with virsh define ${path}\n`);
  }
}

export function registerVm(program: Command, output: Output): void {
  const vm = program.command("vm").description("VM definitions: show NICs, disks and controllers; unplug or plug a NIC's link");
  vm.command("show")
    .argument("<vmfile>", ".vmx, libvirt XML, Proxmox .conf, .vbox, .ovf/.ova, or Hyper-V Get-VMNetworkAdapter JSON")
    .option("--json", "print JSON")
    .description("list NICs (MAC, model, network, link), storage controllers and disks")
    .action((file: string, options: { json?: boolean }) => {
      const config = openVmConfig(file);
      if (options.json) output.out(`${JSON.stringify(describe(config), null, 2)}\n`);
      else show(config, output);
    });
  for (const [name, up] of [
    ["unplug", false],
    ["plug", true],
  ] as const) {
    vm.command(name)
      .argument("<vmfile>", "the VM definition")
      .option("--nic <n>", "the NIC's number (ethernetN, netN, slot, or order)")
      .option("--mac <mac>", "the NIC's MAC address")
      .option("--all", "every NIC")
      .option("--no-backup", "do not keep FILE.bak")
      .option("--force", "edit the file even when the VM looks running")
      .option("--switch <name>", "Hyper-V: the switch to connect to")
      .option("--json", "print JSON")
      .description(up ? "connect the NIC's link again (after the first boot)" : "disconnect the NIC's link for the next power-on")
      .action((file: string, options: LinkOptions) => link(file, options, up, output));
  }
}
