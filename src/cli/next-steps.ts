/**
 * What a person does after `apply`/`fix` wrote an image: boot with the NIC unplugged, read the
 * first-boot results, and get the disk into the target hypervisor. The import commands are the
 * platforms' documented ones (qemu-img(1) convert; Proxmox `qm disk import`, formerly
 * `qm importdisk`; Hyper-V New-VM -Generation; ESXi vmkfstools -i; virt-install --import).
 */
import { shellQuote } from "../apply/locks.js";
import type { TargetHypervisor } from "./hypervisors.js";

function importSteps(image: string, target: TargetHypervisor | null): string[] {
  const quotedImage = shellQuote(image);
  switch (target) {
    case "hyperv":
      return [
        `convert: qemu-img convert -p -O vhdx -o subformat=dynamic ${quotedImage} disk.vhdx`,
        "Hyper-V: New-VM -Generation 1 (MBR disk, BIOS) or -Generation 2 (GPT disk, UEFI; disable Secure Boot or use the Microsoft UEFI CA template) -VHDPath disk.vhdx",
      ];
    case "vmware":
      return [
        `convert: qemu-img convert -p -O vmdk -o adapter_type=lsilogic,subformat=streamOptimized ${quotedImage} disk.vmdk`,
        "ESXi: upload disk.vmdk to a datastore, then vmkfstools -i disk.vmdk -d thin vm/disk.vmdk (Workstation/Fusion open it as is)",
      ];
    case "kvm":
      return [
        `Proxmox: qm disk import VMID ${quotedImage} STORAGE (older releases: qm importdisk), then attach it as sata0 until the virtio driver is in Windows`,
        `libvirt: virt-install --import --osinfo win2k19 --disk ${quotedImage},bus=sata --network none ... (bus=virtio once viostor is installed)`,
      ];
    case "xen":
      return [`XenServer/XCP-ng: qemu-img convert -p -O vpc ${quotedImage} disk.vhd, then xe vdi-import uuid=VDI filename=disk.vhd format=vhd`];
    default:
      return ["import the disk into the new hypervisor (README: \"Back into the hypervisor\" lists Hyper-V, Proxmox, ESXi and libvirt commands)"];
  }
}

/** Numbered next steps after an image was written. */
export function renderNextSteps(image: string, target: TargetHypervisor | null, vmFile: string | null): string {
  const steps = [
    ...importSteps(image, target),
    vmFile
      ? `boot the VM: its network adapter was unplugged in ${vmFile}, so the old static IP cannot clash on the network while the first-boot runner works`
      : "boot the VM with its network adapter unplugged (link down), so the old static IP cannot clash while the first-boot runner works",
    `after the first boot, shut the VM down and run: p2vfix report ${shellQuote(image)} (each step's result); then plug the network back in`,
  ];
  return `next steps:\n${steps.map((step, i) => `  ${i + 1}. ${step}`).join("\n")}\n`;
}
