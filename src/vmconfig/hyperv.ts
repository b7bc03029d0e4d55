/**
 * Hyper-V keeps no editable definition file (the .vmcx is binary and owned by VMMS), so p2vfix
 * reads `Get-VMNetworkAdapter -VMName X | ConvertTo-Json` (and optionally
 * `Get-VMHardDiskDrive | ConvertTo-Json` objects in the same array) and produces the PowerShell
 * commands that change the link: Disconnect-VMNetworkAdapter / Connect-VMNetworkAdapter
 * -SwitchName. Properties used: Name, VMName, MacAddress ("00155D010203"), SwitchName,
 * Connected, IsLegacy; ControllerType (0/"IDE", 1/"SCSI"), ControllerNumber,
 * ControllerLocation, Path. PowerShell 5.1 redirection writes UTF-16LE with a BOM.
 */
import { RefusedError, UsageError, VmConfigError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import { selectNics } from "./selector.js";
import { psQuote } from "./text.js";
import type { Disk, LiveCommandOptions, Nic, NicSelector, RunningState, StorageController, VmConfig, VmConfigEdit } from "./types.js";

export function decodeJsonExport(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString("utf16le");
  if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) return buffer.subarray(3).toString("utf8");
  return buffer.toString("utf8");
}

type Json = Record<string, unknown>;

export class HypervConfig implements VmConfig {
  readonly format = "hyperv-json" as const;
  readonly hypervisor = "hyperv" as const;
  readonly editable = false;
  readonly dirty = false;
  readonly name?: string;
  private readonly nicList: Nic[] = [];
  private readonly diskList: Disk[] = [];
  private readonly controllerList: StorageController[] = [];
  private readonly adapterName = new Map<number, string>();

  constructor(
    readonly path: string,
    text: string,
  ) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message);
      const line = pos ? text.slice(0, Number(pos[1])).split("\n").length : 1;
      throw new VmConfigError("malformed-json", `line ${line}: ${(err as Error).message}`, { path, cause: err });
    }
    const objects = (Array.isArray(data) ? data : [data]) as unknown[];
    for (const [key, value] of objects.entries()) {
      if (typeof value !== "object" || value === null) throw new VmConfigError("malformed-hyperv", `item ${key}: not an object`, { path });
      const obj = value as Json;
      if ("MacAddress" in obj) this.addAdapter(obj, key);
      else if ("ControllerType" in obj) this.addDrive(obj);
      else throw new VmConfigError("malformed-hyperv", `item ${key}: neither a VMNetworkAdapter (MacAddress) nor a hard disk drive (ControllerType)`, { path });
    }
    const vmName = objects.map((object) => (object as Json).VMName).find((name) => typeof name === "string");
    if (typeof vmName === "string") this.name = vmName;
  }

  private addAdapter(obj: Json, item: number): void {
    const macText = typeof obj.MacAddress === "string" ? obj.MacAddress : "";
    const mac = normaliseMac(macText);
    if (macText && !mac) throw new VmConfigError("bad-mac", `item ${item}: not a MAC address: ${macText}`, { path: this.path });
    const index = this.nicList.length;
    const name = typeof obj.Name === "string" ? obj.Name : "Network Adapter";
    this.adapterName.set(index, name);
    const switchName = typeof obj.SwitchName === "string" && obj.SwitchName !== "" ? obj.SwitchName : undefined;
    const raw: Record<string, string> = {};
    for (const field of ["Name", "VMName", "SwitchName", "MacAddress", "Connected", "IsLegacy", "DynamicMacAddressEnabled"]) if (field in obj) raw[field] = String(obj[field]);
    this.nicList.push({
      index,
      id: name,
      model: obj.IsLegacy === true ? "legacy" : "synthetic",
      // Hyper-V shows 000000000000 until a dynamic MAC is assigned at first start.
      ...(mac && mac !== "00:00:00:00:00:00" ? { mac } : {}),
      ...(switchName ? { network: switchName } : {}),
      connected: obj.Connected === true || (obj.Connected === undefined && switchName !== undefined),
      raw,
    });
  }

  private addDrive(obj: Json): void {
    const controllerType = obj.ControllerType;
    const scsi = controllerType === 1 || controllerType === "SCSI";
    const id = `${scsi ? "scsi" : "ide"}${String(obj.ControllerNumber ?? 0)}`;
    if (!this.controllerList.some((storageController) => storageController.id === id)) this.controllerList.push({ id, type: scsi ? "hyperv-scsi" : "hyperv-ide", model: scsi ? "SCSI" : "IDE" });
    const path = typeof obj.Path === "string" ? obj.Path : undefined;
    this.diskList.push({ id: `${id}:${String(obj.ControllerLocation ?? 0)}`, device: "disk", controller: id, ...(path ? { file: path } : {}) });
  }

  nics(): Nic[] {
    return this.nicList;
  }
  disks(): Disk[] {
    return this.diskList;
  }
  controllers(): StorageController[] {
    return this.controllerList;
  }

  /** Hyper-V has no file to edit: reports what would change; use liveCommand() for the commands. */
  setLink(selector: NicSelector, up: boolean): VmConfigEdit {
    const selected = selectNics(this.nicList, selector, this.path);
    return {
      changed: selected.filter((nic) => nic.connected !== up).map((nic) => ({ nic, line: 0, before: "", after: "" })),
      unchanged: selected.filter((nic) => nic.connected === up),
    };
  }

  save(): void {
    throw new RefusedError("not-editable", "Hyper-V has no definition file to edit: run the PowerShell commands instead", { path: this.path });
  }

  liveCommand(selector: NicSelector, up: boolean, options: LiveCommandOptions = {}): string[] {
    const vm = psQuote(this.name ?? "VM");
    return selectNics(this.nicList, selector, this.path).map((nic) => {
      // Adapters often share the name "Network Adapter": pick by MAC when there is one.
      const pick = nic.mac
        ? `Get-VMNetworkAdapter -VMName ${vm} | Where-Object MacAddress -eq ${psQuote(nic.mac.replace(/:/g, "").toUpperCase())}`
        : `Get-VMNetworkAdapter -VMName ${vm} -Name ${psQuote(this.adapterName.get(nic.index) ?? nic.id)}`;
      if (!up) return `${pick} | Disconnect-VMNetworkAdapter`;
      const sw = options.switchName ?? nic.network;
      if (!sw) throw new UsageError("no-switch", `${nic.id} is attached to no switch in the export: name one with --switch`, { path: this.path });
      return `${pick} | Connect-VMNetworkAdapter -SwitchName ${psQuote(sw)}`;
    });
  }

  running(): RunningState {
    return { running: "unknown", evidence: "Hyper-V changes are made with PowerShell, running or not" };
  }
}
