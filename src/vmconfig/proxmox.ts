/**
 * Proxmox VE qemu-server/<vmid>.conf: `key: value` lines, `#` lines are the description.
 * The current configuration is the part before the first `[section]`; snapshot sections
 * ([snapname], [PENDING], [special:cloudinit]) are left alone. A NIC is
 * `netN: MODEL=MAC,bridge=vmbr0[,link_down=1][,...]`; disks ideN/sataN/scsiN/virtioN
 * (`media=cdrom` for CD drives); `scsihw` names the SCSI controller model (default lsi).
 */
import { basename } from "node:path";
import { RefusedError, VmConfigError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import { selectNics } from "./selector.js";
import { displayText, lineAt, shellQuote, splitLines, type Splice } from "./text.js";
import { TextVmConfig, type ParsedDefinition } from "./text-config.js";
import type { ControllerType, Disk, Nic, NicSelector, RunningState, StorageController } from "./types.js";

const NIC_MODELS = new Set(["e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82551", "i82557b", "i82559er", "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139", "virtio", "vmxnet3"]);

const SCSIHW: Record<string, ControllerType> = {
  lsi: "lsilogic",
  lsi53c810: "lsilogic",
  "virtio-scsi-pci": "virtio-scsi",
  "virtio-scsi-single": "virtio-scsi",
  megasas: "megasas",
  pvscsi: "pvscsi",
};

interface NetLine {
  index: number;
  /** Range of the value (after "netN: ") in the file. */
  valueStart: number;
  valueEnd: number;
  value: string;
}

interface ParsedConf extends ParsedDefinition {
  nets: Map<number, NetLine>;
  /** NICs that a [PENDING] section changes or deletes (line of that entry): Proxmox would apply those over ours. */
  pendingNets: Map<number, number>;
  lock?: string;
}

const KEY_LINE = /^([a-z][a-z0-9_-]*):[ \t]?(.*?)[ \t]*$/;

export function looksLikeProxmox(text: string): boolean {
  return /^(net\d+|scsihw|ostype|vmgenid|smbios1|boot|cores|memory|sockets|(ide|sata|scsi|virtio)\d+):[ \t]/m.test(text);
}

export class ProxmoxConfig extends TextVmConfig<ParsedConf> {
  readonly format = "proxmox" as const;
  readonly hypervisor = "proxmox" as const;

  static fromText(path: string, text: string): ProxmoxConfig {
    return new ProxmoxConfig(path, text);
  }

  /** The VM id, from the file name (qemu-server/<vmid>.conf). */
  get vmid(): string {
    const match = /^(\d+)\.conf$/.exec(basename(this.path));
    return match ? match[1] : "VMID";
  }

  protected parse(text: string): ParsedConf {
    const values = new Map<string, string>();
    const nets = new Map<number, NetLine>();
    const pendingNets = new Map<number, number>();
    let section: string | undefined;
    for (const line of splitLines(text)) {
      const body = line.text.trim();
      if (body.startsWith("[")) {
        // Snapshot sections are not ours to read; [PENDING] matters when it touches a NIC.
        section = body;
        continue;
      }
      if (section !== undefined) {
        if (section === "[PENDING]") {
          for (const match of body.matchAll(/\bnet(\d+)\b/g)) if (/^(net\d+|delete):/.test(body)) pendingNets.set(Number(match[1]), line.number);
        }
        continue;
      }
      if (body === "" || body.startsWith("#")) continue;
      const keyMatch = KEY_LINE.exec(line.text);
      if (!keyMatch) {
        throw new VmConfigError("malformed-proxmox", `line ${line.number}: expected "key: value", found ${JSON.stringify(displayText(line.text.slice(0, 80)))}`, {
          path: this.path,
          offset: line.start,
        });
      }
      const [, key, value] = keyMatch;
      if (values.has(key)) throw new VmConfigError("malformed-proxmox", `line ${line.number}: key ${key} repeated`, { path: this.path, offset: line.start });
      values.set(key, displayText(value));
      const net = /^net(\d+)$/.exec(key);
      if (net) {
        const valueStart = line.start + line.text.indexOf(":") + 1 + (line.text[line.text.indexOf(":") + 1] === " " || line.text[line.text.indexOf(":") + 1] === "\t" ? 1 : 0);
        nets.set(Number(net[1]), { index: Number(net[1]), valueStart, valueEnd: valueStart + value.length, value });
      }
    }
    const nics: Nic[] = [];
    for (const net of [...nets.values()].sort((a, b) => a.index - b.index)) {
      const props = parseProps(net.value);
      let model = props.get("model");
      let macText = props.get("macaddr");
      for (const [key, value] of props) {
        if (NIC_MODELS.has(key)) {
          model = key;
          if (value) macText = value;
        }
      }
      if (!model) {
        throw new VmConfigError("malformed-proxmox", `line ${lineAt(text, net.valueStart)}: net${net.index} has no NIC model`, { path: this.path, offset: net.valueStart });
      }
      const mac = macText ? normaliseMac(macText) : undefined;
      if (macText && !mac) throw new VmConfigError("bad-mac", `line ${lineAt(text, net.valueStart)}: not a MAC address: ${macText}`, { path: this.path });
      nics.push({
        index: net.index,
        id: `net${net.index}`,
        model,
        ...(mac ? { mac } : {}),
        network: props.get("bridge") ?? "user",
        connected: props.get("link_down") !== "1",
        raw: Object.fromEntries(props),
      });
    }
    const scsihw = values.get("scsihw") ?? "lsi";
    const controllers: StorageController[] = [];
    const disks: Disk[] = [];
    const addController = (id: string, type: ControllerType, model: string): void => {
      if (!controllers.some((controller) => controller.id === id)) controllers.push({ id, type, model });
    };
    for (const [key, value] of values) {
      const match = /^(ide|sata|scsi|virtio)(\d+)$/.exec(key);
      if (!match) continue;
      const props = parseProps(value);
      const bus = match[1];
      const first = value.split(",")[0] ?? "";
      const file = first.includes("=") ? props.get("file") : first;
      const cdrom = props.get("media") === "cdrom";
      let controller: string;
      if (bus === "scsi") {
        // virtio-scsi-single gives each disk its own controller; the type is the same.
        controller = "scsihw";
        addController(controller, SCSIHW[scsihw] ?? "unknown", scsihw);
      } else if (bus === "virtio") {
        controller = "virtio-blk";
        addController(controller, "virtio-blk", "");
      } else if (bus === "sata") {
        controller = "sata";
        addController(controller, "ahci", "");
      } else {
        controller = "ide";
        addController(controller, "ide", "");
      }
      disks.push({ id: key, device: cdrom ? "cdrom" : "disk", controller, ...(file ? { file } : {}) });
    }
    const name = values.get("name");
    const lock = values.get("lock");
    return { ...(name ? { name } : {}), nics, disks, controllers, nets, pendingNets, ...(lock ? { lock } : {}) };
  }

  protected linkSplice(nic: Nic, up: boolean): Splice | undefined {
    const net = this.parsed.nets.get(nic.index);
    if (!net) return undefined;
    const pending = this.parsed.pendingNets.get(nic.index);
    if (pending !== undefined) {
      throw new RefusedError("pending-change", `line ${pending}: a pending change to net${nic.index} would override the edit; apply or revert it first (qm config ${this.vmid} --current)`, {
        path: this.path,
      });
    }
    const match = /(^|,)link_down=([^,]*)/.exec(net.value);
    if (match) {
      const keyStart = net.valueStart + match.index + match[1].length;
      const valStart = keyStart + "link_down=".length;
      if (up) {
        // Proxmox writes link_down only when set: remove it (with its comma) rather than write 0.
        const start = match[1] === "," ? keyStart - 1 : keyStart;
        const end = match[1] === "," ? valStart + match[2].length : Math.min(net.valueEnd, valStart + match[2].length + 1);
        return { start, end, text: "" };
      }
      return { start: valStart, end: valStart + match[2].length, text: "1" };
    }
    if (up) return undefined;
    return { start: net.valueEnd, end: net.valueEnd, text: ",link_down=1" };
  }

  /** The netN value with link_down set as asked, for `qm set`. */
  private netValue(nic: Nic, up: boolean): string {
    const net = this.parsed.nets.get(nic.index);
    const base = (net?.value ?? "").split(",").filter((option) => !option.startsWith("link_down="));
    if (!up) base.push("link_down=1");
    return displayText(base.join(","));
  }

  liveCommand(selector: NicSelector, up: boolean): string[] {
    return selectNics(this.parsed.nics, selector, this.path).map((nic) => `qm set ${this.vmid} --net${nic.index} ${shellQuote(this.netValue(nic, up))}`);
  }

  running(): RunningState {
    const lock = this.parsed.lock ? `; it is locked (${this.parsed.lock})` : "";
    return { running: "unknown", evidence: `the .conf does not show whether the VM runs: check with qm status ${this.vmid}${lock}` };
  }
}

function parseProps(value: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const part of value.split(",")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) props.set(part, "");
    else props.set(part.slice(0, eq), displayText(part.slice(eq + 1)));
  }
  return props;
}

