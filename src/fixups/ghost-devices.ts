/**
 * Non-present (ghost) devices of the old hardware (reference §8): removed at first boot
 * through PnP, never by deleting Enum keys offline. The old vendors' PCI ids come from the
 * image's physical adapters (their System-class ghosts go too); the hypervisors' own vendor
 * ids are left out.
 */
import { removeGhostDevicesStep } from "../firstboot/index.js";
import { emptyResult, type Fixup } from "./types.js";

const ID = "ghost-devices";
/** Microsoft (Hyper-V), VMware, Red Hat (virtio), XenSource, Parallels: hardware the VM itself presents. */
const HYPERVISOR_PCI_VENDORS = new Set(["1414", "15AD", "1AF4", "5853", "1AB8"]);

export const ghostDevicesFixup: Fixup = {
  id: ID,
  title: "Remove ghost devices of the old hardware at first boot",
  detect: () => [],
  plan(context) {
    const result = emptyResult();
    const { model, options } = context;
    if (!options.ghostDevices.enabled) return result;
    const physical = model.network.adapters.filter((adapter) => adapter.physical);
    const hardware = model.services.items.some((service) => service.vendor?.hardwareBound && service.installed && (service.start ?? 4) <= 3);
    if (physical.length === 0 && !hardware) return result;
    if (!context.firstBoot) {
      result.notices.push("Ghost devices of the old hardware stay: remove them by hand after the first boot (Device Manager, View > Show hidden devices).");
      return result;
    }
    const vendors = new Set<string>();
    for (const physicalAdapter of physical) {
      for (const id of [physicalAdapter.deviceInstanceId, physicalAdapter.pnpInstanceId, physicalAdapter.componentId, physicalAdapter.matchingDeviceId]) {
        const match = /ven_([0-9a-f]{4})/i.exec(id ?? "");
        if (match && !HYPERVISOR_PCI_VENDORS.has(match[1].toUpperCase())) vendors.add(match[1].toUpperCase());
      }
    }
    result.steps.push(removeGhostDevicesStep({ fixup: ID, oldPciVendors: [...vendors].sort(), ...(options.ghostDevices.classes ? { classes: options.ghostDevices.classes } : {}) }));
    return result;
  },
};
