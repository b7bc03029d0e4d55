/**
 * VirtualBox machine settings (.vbox, XML in the http://www.virtualbox.org/ namespace).
 * NICs: Machine/Hardware/Network/Adapter slot enabled MACAddress (12 hex digits) type
 * cable (VirtualBox writes cable="false" only when the cable is unplugged), attachment as a
 * child (NAT, BridgedInterface name, InternalNetwork name, HostOnlyInterface name,
 * GenericInterface, NATNetwork name; DisabledModes keeps inactive ones). Storage:
 * StorageControllers/StorageController name type (AHCI, PIIX3/PIIX4/ICH6, LsiLogic,
 * LsiLogicSas, BusLogic, NVMe, VirtioSCSI, I82078, USB) with AttachedDevice type Image uuid.
 * Snapshot elements carry their own Hardware: they are left alone.
 */
import { VmConfigError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import { selectNics } from "./selector.js";
import { lineAt, shellQuote, type Splice } from "./text.js";
import { TextVmConfig, type ParsedDefinition } from "./text-config.js";
import type { ControllerType, Disk, Nic, NicSelector, RunningState, StorageController } from "./types.js";
import { attr, child, childrenNamed, scanXml, type XmlElement } from "./xml-scan.js";

const CONTROLLER_TYPES: Record<string, ControllerType> = {
  AHCI: "ahci",
  PIIX3: "ide",
  PIIX4: "ide",
  ICH6: "ide",
  LsiLogic: "lsilogic",
  LsiLogicSas: "lsisas",
  BusLogic: "buslogic",
  NVMe: "nvme",
  VirtioSCSI: "virtio-scsi",
  I82078: "floppy",
  USB: "usb",
};

const ATTACHMENTS = ["NAT", "BridgedInterface", "InternalNetwork", "HostOnlyInterface", "HostOnlyNetwork", "GenericInterface", "NATNetwork", "CloudNetwork"];

interface ParsedVbox extends ParsedDefinition {
  adapters: Map<number, XmlElement>;
}

export class VboxConfig extends TextVmConfig<ParsedVbox> {
  readonly format = "vbox" as const;
  readonly hypervisor = "virtualbox" as const;

  static fromText(path: string, text: string): VboxConfig {
    return new VboxConfig(path, text);
  }

  protected parse(text: string): ParsedVbox {
    const root = scanXml(text, this.path);
    const where = (el: XmlElement): { path: string; offset: number } => ({ path: this.path, offset: el.start });
    if (root.local !== "VirtualBox") throw new VmConfigError("not-vbox", `line ${lineAt(text, root.start)}: root element is <${root.name}>, not <VirtualBox>`, where(root));
    const machine = child(root, "Machine");
    if (!machine) throw new VmConfigError("malformed-vbox", `line ${lineAt(text, root.start)}: <VirtualBox> has no <Machine>`, where(root));
    // VirtualBox 7.1 wraps some hardware in <Platform>; the Network and storage stay under Hardware.
    const hardware = child(machine, "Hardware");
    const network = hardware ? child(hardware, "Network") : undefined;
    const adapters = new Map<number, XmlElement>();
    const nics: Nic[] = [];
    for (const xmlElement of network ? childrenNamed(network, "Adapter") : []) {
      const slotText = attr(xmlElement, "slot");
      const slot = Number(slotText);
      if (slotText === undefined || !/^\d+$/.test(slotText) || slot > 35) {
        throw new VmConfigError("malformed-vbox", `line ${lineAt(text, xmlElement.start)}: <Adapter> without a valid slot`, where(xmlElement));
      }
      if (attr(xmlElement, "enabled") !== "true") continue;
      const macText = attr(xmlElement, "MACAddress");
      const mac = macText ? normaliseMac(macText) : undefined;
      if (macText && !mac) throw new VmConfigError("bad-mac", `line ${lineAt(text, xmlElement.start)}: not a MAC address: ${macText}`, where(xmlElement));
      const attachment = xmlElement.children.find((candidate) => ATTACHMENTS.includes(candidate.local));
      const netName = attachment ? (attr(attachment, "name") ?? attachment.local) : "not attached";
      adapters.set(slot, xmlElement);
      nics.push({
        index: slot,
        id: `slot ${slot}`,
        model: attr(xmlElement, "type") ?? "Am79C973",
        ...(mac ? { mac } : {}),
        network: attachment && attr(attachment, "name") ? `${attachment.local}:${netName}` : netName,
        connected: attr(xmlElement, "cable") !== "false",
        raw: Object.fromEntries(xmlElement.attrs.map((xmlAttr) => [xmlAttr.name, xmlAttr.value])),
      });
    }
    const controllers: StorageController[] = [];
    const disks: Disk[] = [];
    const images = new Map<string, string>();
    const registry = child(machine, "MediaRegistry");
    const walk = (el: XmlElement, depth: number): void => {
      if (depth > 64) return; // differencing chains nest; bound the walk
      for (const xmlElement of el.children) {
        if (xmlElement.local === "HardDisk" || xmlElement.local === "Image") {
          const uuid = attr(xmlElement, "uuid");
          const location = attr(xmlElement, "location");
          if (uuid && location) images.set(uuid.toLowerCase(), location);
        }
        walk(xmlElement, depth + 1);
      }
    };
    if (registry) walk(registry, 0);
    const storage = (hardware && child(hardware, "StorageControllers")) ?? child(machine, "StorageControllers");
    for (const sc of storage ? childrenNamed(storage, "StorageController") : []) {
      const name = attr(sc, "name") ?? "";
      const type = attr(sc, "type") ?? "";
      controllers.push({ id: name, type: CONTROLLER_TYPES[type] ?? "unknown", model: type });
      for (const dev of childrenNamed(sc, "AttachedDevice")) {
        const kind = attr(dev, "type");
        const image = child(dev, "Image");
        const uuid = image ? attr(image, "uuid") : undefined;
        const file = uuid ? (images.get(uuid.toLowerCase()) ?? uuid) : undefined;
        disks.push({
          id: `${name}-${attr(dev, "port") ?? "0"}-${attr(dev, "device") ?? "0"}`,
          device: kind === "DVD" ? "cdrom" : kind === "Floppy" ? "floppy" : "disk",
          controller: name,
          ...(file ? { file } : {}),
        });
      }
    }
    const name = attr(machine, "name");
    return { ...(name ? { name } : {}), nics, disks, controllers, adapters };
  }

  protected linkSplice(nic: Nic, up: boolean): Splice | undefined {
    const xmlElement = this.parsed.adapters.get(nic.index);
    if (!xmlElement) return undefined;
    const cable = xmlElement.attrs.find((xmlAttr) => xmlAttr.name === "cable");
    if (up) {
      // VirtualBox omits cable when connected: removing it gives back what VirtualBox writes.
      if (!cable) return undefined;
      let start = cable.start;
      while (start > 0 && /[ \t\r\n]/.test(this.text[start - 1] ?? "")) start--;
      return { start, end: cable.end, text: "" };
    }
    if (cable) return { start: cable.valueStart, end: cable.valueEnd, text: "false" };
    const after = xmlElement.attrs.find((xmlAttr) => xmlAttr.name === "MACAddress") ?? xmlElement.attrs[xmlElement.attrs.length - 1];
    const at = after ? after.end : xmlElement.start + "<Adapter".length;
    return { start: at, end: at, text: ' cable="false"' };
  }

  liveCommand(selector: NicSelector, up: boolean): string[] {
    const vm = this.parsed.name ?? "VM";
    // controlvm numbers NICs from 1; the settings file's slots from 0.
    return selectNics(this.parsed.nics, selector, this.path).map((nic) => `VBoxManage controlvm ${shellQuote(vm)} setlinkstate${nic.index + 1} ${up ? "on" : "off"}`);
  }

  running(): RunningState {
    return { running: "unknown", evidence: `the .vbox does not show whether the VM runs: check with VBoxManage showvminfo ${shellQuote(this.parsed.name ?? "VM")}` };
  }
}
