/**
 * Hypervisor names as people type them: "Hyper-V", "ESXi", "Proxmox", "qemu"... mapped,
 * case-insensitively, to the four target families the fixups know.
 */
import { UsageError } from "../errors.js";
import { TARGET_HYPERVISORS } from "../fixups/options.js";

export type TargetHypervisor = (typeof TARGET_HYPERVISORS)[number];

/** Each family's accepted spellings (compared lower-case, with spaces, "-" and "_" removed). */
const ALIASES: Record<TargetHypervisor, string[]> = {
  // Hyper-V also hosts Azure and Azure Stack HCI guests (same synthetic devices).
  hyperv: ["hyperv", "microsofthyperv", "msft", "azure", "azurestackhci", "hci"],
  vmware: ["vmware", "esxi", "esx", "vsphere", "vcenter", "workstation", "fusion", "vmwareworkstation", "vmwarefusion", "vmwareesxi"],
  // The virtio devices: every qemu/KVM-based platform.
  kvm: ["kvm", "qemu", "qemukvm", "libvirt", "virtmanager", "proxmox", "proxmoxve", "pve", "ovirt", "rhev", "rhv", "openstack", "nutanix", "ahv", "virtio", "openshiftvirtualization", "kubevirt"],
  xen: ["xen", "xenserver", "citrix", "citrixhypervisor", "xcpng", "xcp"],
};

const squash = (name: string) => name.toLowerCase().replace(/[\s_-]/g, "");

/** The target family for a name, or undefined when it is not a known spelling. */
export function targetHypervisorOf(name: string): TargetHypervisor | undefined {
  const key = squash(name);
  return (Object.keys(ALIASES) as TargetHypervisor[]).find((hypervisor) => ALIASES[hypervisor].includes(key));
}

/** `--target NAME`: the family, or a usage error listing what is accepted. */
export function parseTargetHypervisor(name: string): TargetHypervisor {
  const target = targetHypervisorOf(name);
  if (target === undefined) {
    throw new UsageError(
      "bad-target",
      `--target ${JSON.stringify(name)} is not a hypervisor p2vfix knows: use hyperv (Hyper-V, Azure), vmware (ESXi, Workstation), kvm (qemu, libvirt, Proxmox, oVirt, OpenStack) or xen (XenServer, XCP-ng); case does not matter`,
    );
  }
  return target;
}

/** Help text for a --target option. */
export const TARGET_HELP = "target hypervisor: hyperv, vmware, kvm or xen; aliases such as Hyper-V, ESXi, Proxmox, qemu, libvirt are accepted";
