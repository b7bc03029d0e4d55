/**
 * The common model of a VM definition: NICs (with link state), disks and storage controllers,
 * whatever the hypervisor. Each format module maps its own keys onto these types.
 */

export type Hypervisor = "vmware" | "kvm" | "proxmox" | "virtualbox" | "ovf" | "hyperv";

/** The file format the definition was read from (detected by content). */
export type VmFormat = "vmx" | "libvirt" | "proxmox" | "vbox" | "ovf" | "ova" | "hyperv-json";

/** Storage controller types, normalised across hypervisors (for the boot-driver check). */
export type ControllerType =
  | "pvscsi"
  | "lsilogic"
  | "lsisas"
  | "buslogic"
  | "megasas"
  | "virtio-blk"
  | "virtio-scsi"
  | "ahci"
  | "ide"
  | "nvme"
  | "hyperv-scsi"
  | "hyperv-ide"
  | "floppy"
  | "usb"
  | "unknown";

export interface Nic {
  /** The hypervisor's own number for the NIC (ethernetN, netN, VirtualBox slot, order in the file). */
  index: number;
  /** The name the hypervisor uses for it ("ethernet0", "net0", "slot 0", the MAC or target for libvirt). */
  id: string;
  /** Device model as written in the definition ("vmxnet3", "virtio", "82540EM", "E1000"...). */
  model: string;
  /** MAC address, lower case, colon separated ("00:15:5d:01:02:03"); absent when the hypervisor assigns it at start. */
  mac?: string;
  /** Network, bridge, switch or port group the NIC is attached to. */
  network?: string;
  /** Link state at the next power-on (cable plugged). */
  connected: boolean;
  /** The definition's own keys for this NIC, as written. */
  raw?: Record<string, string>;
}

export interface StorageController {
  /** The definition's name for the controller ("scsi0", "SATA", "sata0", InstanceID...). */
  id: string;
  type: ControllerType;
  /** The model string as written (empty when the hypervisor's default applies). */
  model: string;
}

export interface Disk {
  /** The definition's name for the disk ("scsi0:0", "sda", "virtio0"...). */
  id: string;
  device: "disk" | "cdrom" | "floppy";
  /** Id of the StorageController it hangs on (a synthesised one for virtio-blk). */
  controller: string;
  /** Backing file, volume or host resource, when the definition names one. */
  file?: string;
}

/** Which NIC(s) an operation is about. With no field set, the definition must have exactly one NIC. */
export interface NicSelector {
  nic?: number;
  mac?: string;
  all?: true;
}

export interface NicChange {
  nic: Nic;
  /** 1-based line of the key that changed or was inserted (0 when the format has no file). */
  line: number;
  /** The text that was replaced (empty for an insertion) and what replaced it. */
  before: string;
  after: string;
}

export interface VmConfigEdit {
  /** NICs whose link state changed. */
  changed: NicChange[];
  /** Selected NICs already in the asked-for state. */
  unchanged: Nic[];
}

export interface RunningState {
  /** true / false when the files show it; "unknown" when the definition cannot tell. */
  running: boolean | "unknown";
  /** What was seen, or how to find out. */
  evidence: string;
}

export interface SaveOptions {
  /** Keep the previous file as FILE.bak (default true). */
  backup?: boolean;
}

export interface LiveCommandOptions {
  /** Hyper-V: the switch to connect to when the export does not name one. */
  switchName?: string;
}

export interface VmConfig {
  readonly path: string;
  readonly format: VmFormat;
  readonly hypervisor: Hypervisor;
  /** The VM's name when the definition carries one. */
  readonly name?: string;
  /** False for Hyper-V: there is no file, only commands. */
  readonly editable: boolean;
  nics(): Nic[];
  disks(): Disk[];
  controllers(): StorageController[];
  /** Sets the link of the selected NIC(s) in memory; `save()` writes it. */
  setLink(selector: NicSelector, up: boolean): VmConfigEdit;
  /** Writes the edited definition atomically (temp file in the same folder + rename). */
  save(options?: SaveOptions): void;
  /** True when `setLink` changed something not yet saved. */
  readonly dirty: boolean;
  /** The hypervisor's own command(s) that change the link of a running VM. */
  liveCommand(selector: NicSelector, up: boolean, options?: LiveCommandOptions): string[];
  /** Whether the files show the VM running. */
  running(): RunningState;
}
