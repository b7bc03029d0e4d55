/**
 * OVF descriptor (DMTF DSP0243): Envelope/VirtualSystem/VirtualHardwareSection/Item, each
 * Item a CIM_ResourceAllocationSettingData (rasd:) record; OVF 2 also has EthernetPortItem
 * (epasd:) and StorageItem (sasd:). ResourceType 10 = Ethernet adapter (rasd:Address = MAC,
 * rasd:Connection = network, rasd:AutomaticAllocation = connected at power-on,
 * rasd:ResourceSubType = model), 5 = IDE, 6 = parallel SCSI, 20 = other storage controller
 * (SATA/NVMe), 17 = disk drive (rasd:HostResource, rasd:Parent = controller InstanceID),
 * 15/16 = CD/DVD, 14 = floppy. The rasd elements are an xs:sequence in alphabetical order,
 * so an inserted AutomaticAllocation goes in its alphabetical place.
 */
import { VmConfigError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import { selectNics } from "./selector.js";
import { indentOfLineAt, lineAt, lineEnding, type Splice } from "./text.js";
import { TextVmConfig, type ParsedDefinition } from "./text-config.js";
import type { ControllerType, Disk, Nic, NicSelector, RunningState, StorageController } from "./types.js";
import { child, scanXml, textOf, type XmlElement } from "./xml-scan.js";

export const OVF_MARKER = "<!-- p2vfix: link down for the first boot -->";

interface ParsedOvf extends ParsedDefinition {
  nicItems: XmlElement[];
}

const ITEM_NAMES = new Set(["Item", "EthernetPortItem", "StorageItem"]);

function controllerType(resourceType: string, subtype: string): ControllerType {
  const lowerSubtype = subtype.toLowerCase();
  if (resourceType === "5") return "ide";
  if (lowerSubtype.includes("virtualscsi") || lowerSubtype.includes("pvscsi")) return "pvscsi";
  if (lowerSubtype.includes("lsilogicsas") || lowerSubtype.includes("lsisas")) return "lsisas";
  if (lowerSubtype.includes("lsilogic")) return "lsilogic";
  if (lowerSubtype.includes("buslogic")) return "buslogic";
  if (lowerSubtype.includes("virtio-scsi") || lowerSubtype.includes("virtioscsi")) return "virtio-scsi";
  if (lowerSubtype.includes("ahci") || lowerSubtype.includes("sata")) return "ahci";
  if (lowerSubtype.includes("nvme")) return "nvme";
  if (resourceType === "6" && lowerSubtype === "") return "lsilogic";
  return "unknown";
}

export class OvfConfig extends TextVmConfig<ParsedOvf> {
  readonly format: "ovf" | "ova" = "ovf";
  readonly hypervisor = "ovf" as const;

  static fromText(path: string, text: string): OvfConfig {
    return new OvfConfig(path, text);
  }

  protected parse(text: string): ParsedOvf {
    const root = scanXml(text, this.path);
    if (root.local !== "Envelope") {
      throw new VmConfigError("not-ovf", `line ${lineAt(text, root.start)}: root element is <${root.name}>, not <Envelope>`, { path: this.path, offset: root.start });
    }
    const items: XmlElement[] = [];
    let name: string | undefined;
    const walk = (el: XmlElement, depth: number): void => {
      if (depth > 16) return;
      for (const xmlElement of el.children) {
        if (xmlElement.local === "VirtualSystem" && name === undefined) {
          const nameElement = child(xmlElement, "Name");
          if (nameElement) name = textOf(text, nameElement);
        }
        if (xmlElement.local === "VirtualHardwareSection") items.push(...xmlElement.children.filter((item) => ITEM_NAMES.has(item.local)));
        else if (xmlElement.local === "VirtualSystem" || xmlElement.local === "VirtualSystemCollection") walk(xmlElement, depth + 1);
      }
    };
    walk(root, 0);
    const field = (item: XmlElement, local: string): string | undefined => {
      const el = child(item, local);
      return el ? textOf(text, el) : undefined;
    };
    const nics: Nic[] = [];
    const nicItems: XmlElement[] = [];
    const controllers: StorageController[] = [];
    const disks: Disk[] = [];
    for (const item of items) {
      const type = field(item, "ResourceType");
      if (type === undefined) {
        throw new VmConfigError("malformed-ovf", `line ${lineAt(text, item.start)}: <${item.name}> has no ResourceType`, { path: this.path, offset: item.start });
      }
      const id = field(item, "InstanceID") ?? String(items.indexOf(item));
      const subtype = field(item, "ResourceSubType") ?? "";
      if (type === "10") {
        const macText = field(item, "Address");
        const mac = macText ? normaliseMac(macText) : undefined;
        if (macText && !mac) throw new VmConfigError("bad-mac", `line ${lineAt(text, item.start)}: not a MAC address: ${macText}`, { path: this.path, offset: item.start });
        const raw: Record<string, string> = {};
        for (const xmlElement of item.children) raw[xmlElement.local] = textOf(text, xmlElement);
        nicItems.push(item);
        const network = field(item, "Connection");
        nics.push({
          index: nics.length,
          id: field(item, "ElementName") ?? `InstanceID ${id}`,
          model: subtype,
          ...(mac ? { mac } : {}),
          ...(network ? { network } : {}),
          connected: field(item, "AutomaticAllocation")?.toLowerCase() !== "false",
          raw,
        });
      } else if (type === "5" || type === "6" || type === "20") {
        controllers.push({ id, type: controllerType(type, subtype), model: subtype });
      } else if (type === "17" || type === "15" || type === "16" || type === "14") {
        const file = field(item, "HostResource");
        disks.push({
          id: field(item, "ElementName") ?? id,
          device: type === "17" ? "disk" : type === "14" ? "floppy" : "cdrom",
          controller: field(item, "Parent") ?? "",
          ...(file ? { file } : {}),
        });
      }
    }
    return { ...(name ? { name } : {}), nics, disks, controllers, nicItems };
  }

  protected linkSplice(nic: Nic, up: boolean): Splice | undefined {
    const item = this.parsed.nicItems[nic.index];
    if (!item) return undefined;
    const auto = child(item, "AutomaticAllocation");
    if (auto) {
      const markerAt = auto.end;
      if (up && this.text.startsWith(OVF_MARKER, markerAt)) {
        // p2vfix inserted this element: remove it, its marker and the line break it added.
        const eol = lineEnding(this.text);
        const indent = indentOfLineAt(this.text, auto.start);
        const end = markerAt + OVF_MARKER.length;
        const gap = eol + indent;
        if (this.text.startsWith(gap, end)) return { start: auto.start, end: end + gap.length, text: "" };
        if (this.text.slice(auto.start - gap.length, auto.start) === gap) return { start: auto.start - gap.length, end, text: "" };
        return { start: auto.start, end, text: "" };
      }
      const inner = this.text.slice(auto.tagEnd, auto.contentEnd);
      const lead = inner.length - inner.trimStart().length;
      const value = inner.trim();
      // Only a plain "true"/"false" can be set and set back to the same bytes; anything else
      // (other spellings, entities, comments, markup in the value) is refused, nothing written.
      if (value !== "true" && value !== "false") {
        throw new VmConfigError("ovf-link-value", `line ${lineAt(this.text, auto.start)}: <${auto.name}> holds ${JSON.stringify(value.slice(0, 60))}, not true or false: set it by hand`, {
          path: this.path,
          offset: auto.tagEnd + lead,
        });
      }
      return { start: auto.tagEnd + lead, end: auto.tagEnd + lead + value.length, text: up ? "true" : "false" };
    }
    if (up) return undefined;
    const typeEl = child(item, "ResourceType");
    const prefix = typeEl && typeEl.name.includes(":") ? typeEl.name.slice(0, typeEl.name.indexOf(":") + 1) : "rasd:";
    const element = `<${prefix}AutomaticAllocation>false</${prefix}AutomaticAllocation>${OVF_MARKER}`;
    const next = item.children.find((xmlElement) => xmlElement.local > "AutomaticAllocation");
    const eol = lineEnding(this.text);
    if (next) {
      const indent = indentOfLineAt(this.text, next.start);
      return { start: next.start, end: next.start, text: `${element}${eol}${indent}` };
    }
    const last = item.children[item.children.length - 1];
    if (!last) return { start: item.tagEnd, end: item.tagEnd, text: element };
    return { start: last.end, end: last.end, text: `${eol}${indentOfLineAt(this.text, last.start)}${element}` };
  }

  liveCommand(selector: NicSelector): string[] {
    selectNics(this.parsed.nics, selector, this.path);
    return [];
  }

  running(): RunningState {
    return { running: false, evidence: "an OVF package is not a running VM" };
  }
}
