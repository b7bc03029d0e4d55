/**
 * libvirt domain XML (`virsh dumpxml`, /etc/libvirt/qemu/NAME.xml). NICs are
 * devices/interface with <mac address>, <source network|bridge|dev>, <model type>,
 * <target dev>, and <link state='up|down'/> (absent = up). Disks are devices/disk with
 * <target dev bus> and <source file|dev|volume>; controllers devices/controller type/model.
 */
import { VmConfigError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import { selectNics } from "./selector.js";
import { indentOfLineAt, lineAt, lineEnding, shellQuote, type Splice } from "./text.js";
import { TextVmConfig, type ParsedDefinition } from "./text-config.js";
import type { ControllerType, Disk, Nic, NicSelector, RunningState, StorageController } from "./types.js";
import { attr, child, childrenNamed, scanXml, textOf, type XmlElement } from "./xml-scan.js";

/** What p2vfix inserts when an interface has no <link>; `plug` removes exactly this. */
export const LIBVIRT_INSERTED_LINK = "<link state='down'/><!-- p2vfix: link down for the first boot -->";

interface ParsedDomain extends ParsedDefinition {
  interfaces: XmlElement[];
  /** `<domain id='N'>`: libvirt writes an id only when dumping a running domain. */
  liveId?: string;
}

const SCSI_MODELS: Record<string, ControllerType> = {
  "virtio-scsi": "virtio-scsi",
  "virtio-transitional": "virtio-scsi",
  "virtio-non-transitional": "virtio-scsi",
  lsilogic: "lsilogic",
  lsisas1068: "lsisas",
  lsisas1078: "megasas",
  vmpvscsi: "pvscsi",
  buslogic: "buslogic",
};

export class LibvirtConfig extends TextVmConfig<ParsedDomain> {
  readonly format = "libvirt" as const;
  readonly hypervisor = "kvm" as const;

  static fromText(path: string, text: string): LibvirtConfig {
    return new LibvirtConfig(path, text);
  }

  protected parse(text: string): ParsedDomain {
    const root = scanXml(text, this.path);
    if (root.name !== "domain") {
      throw new VmConfigError("not-libvirt", `line ${lineAt(text, root.start)}: root element is <${root.name}>, not <domain>`, { path: this.path, offset: root.start });
    }
    const nameEl = child(root, "name");
    const devices = child(root, "devices");
    const interfaces = devices ? childrenNamed(devices, "interface") : [];
    const nics = interfaces.map((el, index): Nic => {
      const macEl = child(el, "mac");
      const macText = macEl ? attr(macEl, "address") : undefined;
      const mac = macText ? normaliseMac(macText) : undefined;
      if (macText !== undefined && !mac) {
        throw new VmConfigError("bad-mac", `line ${lineAt(text, (macEl as XmlElement).start)}: not a MAC address: ${macText}`, { path: this.path });
      }
      const source = child(el, "source");
      const network = source ? (attr(source, "network") ?? attr(source, "bridge") ?? attr(source, "dev") ?? attr(source, "name")) : undefined;
      const link = child(el, "link");
      const target = child(el, "target");
      const model = child(el, "model");
      const raw: Record<string, string> = { type: attr(el, "type") ?? "" };
      if (target && attr(target, "dev")) raw.target = attr(target, "dev") ?? "";
      return {
        index,
        id: (target && attr(target, "dev")) ?? mac ?? `interface ${index}`,
        model: (model && attr(model, "type")) ?? "rtl8139",
        ...(mac ? { mac } : {}),
        network: network ?? attr(el, "type") ?? "",
        connected: !(link && attr(link, "state") === "down"),
        raw,
      };
    });

    const controllers: StorageController[] = [];
    for (const xmlElement of devices ? childrenNamed(devices, "controller") : []) {
      const type = attr(xmlElement, "type");
      const index = attr(xmlElement, "index") ?? "0";
      const model = attr(xmlElement, "model") ?? "";
      let controllerType: ControllerType | undefined;
      if (type === "scsi") controllerType = SCSI_MODELS[model] ?? (model === "" ? "lsilogic" : "unknown");
      else if (type === "sata") controllerType = "ahci";
      else if (type === "ide") controllerType = "ide";
      else if (type === "nvme") controllerType = "nvme";
      else if (type === "fdc") controllerType = "floppy";
      if (controllerType) controllers.push({ id: `${type}${index}`, type: controllerType, model });
    }
    const disks: Disk[] = [];
    for (const xmlElement of devices ? childrenNamed(devices, "disk") : []) {
      const target = child(xmlElement, "target");
      const dev = target ? attr(target, "dev") : undefined;
      if (!target || !dev) {
        throw new VmConfigError("malformed-libvirt", `line ${lineAt(text, xmlElement.start)}: <disk> without <target dev=...>`, { path: this.path, offset: xmlElement.start });
      }
      const bus = attr(target, "bus") ?? (dev.startsWith("vd") ? "virtio" : dev.startsWith("hd") ? "ide" : "scsi");
      const address = child(xmlElement, "address");
      const ctlIndex = (address && attr(address, "controller")) ?? "0";
      let controller = `${bus}${ctlIndex}`;
      if (bus === "virtio") {
        controller = "virtio-blk";
        if (!controllers.some((storageController) => storageController.id === controller)) controllers.push({ id: controller, type: "virtio-blk", model: "" });
      } else if (bus === "usb") {
        controller = "usb";
      } else if (!controllers.some((storageController) => storageController.id === controller)) {
        // libvirt adds the controller itself when the XML leaves it out.
        const implied: ControllerType = bus === "sata" ? "ahci" : bus === "ide" ? "ide" : bus === "nvme" ? "nvme" : bus === "fdc" ? "floppy" : "lsilogic";
        controllers.push({ id: controller, type: implied, model: "" });
      }
      const source = child(xmlElement, "source");
      const file = source ? (attr(source, "file") ?? attr(source, "dev") ?? attr(source, "volume") ?? attr(source, "name")) : undefined;
      const device = attr(xmlElement, "device");
      disks.push({ id: dev, device: device === "cdrom" ? "cdrom" : device === "floppy" ? "floppy" : "disk", controller, ...(file ? { file } : {}) });
    }
    const name = nameEl ? textOf(text, nameEl) : undefined;
    const liveId = attr(root, "id");
    return { ...(name ? { name } : {}), nics, disks, controllers, interfaces, ...(liveId !== undefined && liveId !== "-1" ? { liveId } : {}) };
  }

  protected linkSplice(nic: Nic, up: boolean): Splice | undefined {
    const el = this.parsed.interfaces[nic.index];
    if (!el) return undefined;
    const link = child(el, "link");
    if (link) {
      const inserted = this.text.slice(link.start, link.start + LIBVIRT_INSERTED_LINK.length) === LIBVIRT_INSERTED_LINK;
      if (up && inserted) {
        // Remove the line p2vfix added (from the end of the previous line), restoring the original bytes.
        const lineStart = this.text.lastIndexOf("\n", link.start - 1);
        const from = lineStart >= 0 && this.text.slice(lineStart + 1, link.start).trim() === "" ? (this.text[lineStart - 1] === "\r" ? lineStart - 1 : lineStart) : link.start;
        return { start: from, end: link.start + LIBVIRT_INSERTED_LINK.length, text: "" };
      }
      const state = link.attrs.find((xmlAttr) => xmlAttr.name === "state");
      if (state) return { start: state.valueStart, end: state.valueEnd, text: up ? "up" : "down" };
      const at = link.start + "<link".length;
      return { start: at, end: at, text: ` state='${up ? "up" : "down"}'` };
    }
    if (up) return undefined;
    const eol = lineEnding(this.text);
    const last = el.children[el.children.length - 1];
    if (last) {
      const indent = indentOfLineAt(this.text, el.children[0]?.start ?? last.start);
      return { start: last.end, end: last.end, text: `${eol}${indent}${LIBVIRT_INSERTED_LINK}` };
    }
    if (el.selfClosing) {
      throw new VmConfigError("malformed-libvirt", `line ${lineAt(this.text, el.start)}: empty <interface/>`, { path: this.path, offset: el.start });
    }
    return { start: el.tagEnd, end: el.tagEnd, text: LIBVIRT_INSERTED_LINK };
  }

  liveCommand(selector: NicSelector, up: boolean): string[] {
    const domain = this.parsed.name ?? "DOMAIN";
    return selectNics(this.parsed.nics, selector, this.path).map((nic) => {
      const iface = nic.mac ?? nic.raw?.target ?? String(nic.index);
      return `virsh domif-setlink ${shellQuote(domain)} ${shellQuote(iface)} ${up ? "up" : "down"}`;
    });
  }

  running(): RunningState {
    if (this.parsed.liveId !== undefined) {
      return { running: true, evidence: `dumped from a running domain (<domain id='${this.parsed.liveId}'>)` };
    }
    return {
      running: "unknown",
      evidence: `an inactive definition does not show whether the domain runs: check with virsh domstate ${shellQuote(this.parsed.name ?? "DOMAIN")}`,
    };
  }
}
