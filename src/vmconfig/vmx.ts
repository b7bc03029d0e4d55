/**
 * VMware .vmx: one `key = "value"` per line, `#` comments, keys case-insensitive.
 * NICs are ethernetN.* (present, virtualDev, addressType, generatedAddress/address,
 * networkName, connectionType, startConnected); the link at power-on is
 * ethernetN.startConnected (absent = TRUE). Disks are scsiN:M / sataN:M / nvmeN:M / ideN:M,
 * controllers scsiN.virtualDev (lsilogic, lsisas1068, pvscsi, buslogic), sataN, nvmeN.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { VmConfigError } from "../errors.js";
import { normaliseMac } from "./mac.js";
import { selectNics } from "./selector.js";
import { displayText, lineEnding, shellQuote, splitLines, type Splice, type TextLine } from "./text.js";
import { TextVmConfig, type ParsedDefinition } from "./text-config.js";
import type { ControllerType, Disk, Nic, NicSelector, RunningState, StorageController } from "./types.js";

/** The comment p2vfix writes above a startConnected line it inserts, so `plug` can remove both. */
export const VMX_MARKER = '# p2vfix: link down for the first boot; "p2vfix vm plug" removes this and the next line';

/**
 * The comment p2vfix writes above a startConnected line whose value it cannot set back from
 * TRUE/FALSE alone ("TsUE", "yes", "0", " TRUE"): it records the value as written, and setting
 * the link back removes the comment and puts that value back, byte for byte.
 */
const VMX_RECORD = '# p2vfix: link changed for the first boot; setting it back restores startConnected = ';

interface VmxEntry {
  key: string;
  /** Lower-case key, for lookups. */
  lkey: string;
  value: string;
  line: TextLine;
  valueStart: number;
  valueEnd: number;
}

interface ParsedVmx extends ParsedDefinition {
  entries: Map<string, VmxEntry>;
  lines: TextLine[];
}

// key = "value" (VMware always quotes; hand-edited files sometimes don't).
const ENTRY = /^([ \t]*)([A-Za-z0-9_.:\-[\]]+)[ \t]*=[ \t]*(?:"([^"]*)"|([^"#\s]*))[ \t]*$/;

export function looksLikeVmx(text: string): boolean {
  return /^[ \t]*(config\.version|virtualHW\.version|\.encoding|displayName|guestOS|ethernet\d+\.[A-Za-z]+)[ \t]*=[ \t]*"/im.test(text);
}

const isTrue = (value: string | undefined): boolean => value !== undefined && /^(true|yes|1)$/i.test(value.trim());
const isFalse = (value: string | undefined): boolean => value !== undefined && /^(false|no|0)$/i.test(value.trim());

const SCSI_MODELS: Record<string, ControllerType> = {
  lsilogic: "lsilogic",
  lsisas1068: "lsisas",
  pvscsi: "pvscsi",
  buslogic: "buslogic",
};

export class VmxConfig extends TextVmConfig<ParsedVmx> {
  readonly format = "vmx" as const;
  readonly hypervisor = "vmware" as const;

  static fromText(path: string, text: string): VmxConfig {
    return new VmxConfig(path, text);
  }

  protected parse(text: string): ParsedVmx {
    const lines = splitLines(text);
    const entries = new Map<string, VmxEntry>();
    for (const line of lines) {
      const body = line.text.trim();
      if (body === "" || body.startsWith("#")) continue;
      const match = ENTRY.exec(line.text);
      if (!match) {
        throw new VmConfigError("malformed-vmx", `line ${line.number}: expected key = "value", found ${JSON.stringify(displayText(line.text.slice(0, 80)))}`, {
          path: this.path,
          offset: line.start,
        });
      }
      const key = match[2];
      const quoted = match[3] !== undefined;
      const value = quoted ? match[3] : (match[4] ?? "");
      const valueStart = quoted ? line.start + line.text.indexOf('"', line.text.indexOf("=")) + 1 : line.start + line.text.length - line.text.trimStart().length;
      const valueStartExact = quoted ? valueStart : line.start + line.text.lastIndexOf(value);
      // A later duplicate wins, as in VMware.
      entries.set(key.toLowerCase(), { key, lkey: key.toLowerCase(), value: displayText(value), line, valueStart: valueStartExact, valueEnd: valueStartExact + value.length });
    }
    const get = (key: string): string | undefined => entries.get(key.toLowerCase())?.value;

    const nicNumbers = new Set<number>();
    for (const entry of entries.values()) {
      const match = /^ethernet(\d+)\./.exec(entry.lkey);
      if (match) nicNumbers.add(Number(match[1]));
    }
    const nics: Nic[] = [];
    for (const nicNumber of [...nicNumbers].sort((a, b) => a - b)) {
      const prefix = `ethernet${nicNumber}.`;
      if (!isTrue(get(`${prefix}present`))) continue;
      const addressType = (get(`${prefix}addressType`) ?? "generated").toLowerCase();
      const macText = addressType === "static" ? get(`${prefix}address`) : (get(`${prefix}generatedAddress`) ?? get(`${prefix}address`));
      const raw: Record<string, string> = {};
      for (const entry of entries.values()) if (entry.lkey.startsWith(prefix)) raw[entry.key] = entry.value;
      const mac = macText ? normaliseMac(macText) : undefined;
      if (macText && !mac) {
        const vmxEntry = entries.get(`${prefix}${addressType === "static" ? "address" : "generatedaddress"}`);
        throw new VmConfigError("bad-mac", `line ${vmxEntry?.line.number ?? 0}: not a MAC address: ${macText}`, { path: this.path });
      }
      nics.push({
        index: nicNumber,
        id: `ethernet${nicNumber}`,
        model: get(`${prefix}virtualDev`) ?? "vlance",
        ...(mac ? { mac } : {}),
        network: get(`${prefix}networkName`) ?? get(`${prefix}vnet`) ?? get(`${prefix}connectionType`) ?? "bridged",
        connected: !isFalse(get(`${prefix}startConnected`)),
        raw,
      });
    }

    const controllers: StorageController[] = [];
    const disks: Disk[] = [];
    const busCtl = new Map<string, ControllerType>([
      ["sata", "ahci"],
      ["nvme", "nvme"],
      ["ide", "ide"],
    ]);
    for (const entry of entries.values()) {
      const match = /^(scsi|sata|nvme)(\d+)\.present$/.exec(entry.lkey);
      if (match && isTrue(entry.value)) {
        const id = `${match[1]}${match[2]}`;
        const model = match[1] === "scsi" ? (get(`${id}.virtualDev`) ?? "") : "";
        const type = match[1] === "scsi" ? (SCSI_MODELS[model.toLowerCase()] ?? "unknown") : (busCtl.get(match[1]) ?? "unknown");
        controllers.push({ id, type, model });
      }
      const diskMatch = /^(scsi|sata|nvme|ide)(\d+):(\d+)\.present$/.exec(entry.lkey);
      if (diskMatch && isTrue(entry.value)) {
        const id = `${diskMatch[1]}${diskMatch[2]}:${diskMatch[3]}`;
        const deviceType = (get(`${id}.deviceType`) ?? "disk").toLowerCase();
        const file = get(`${id}.fileName`);
        disks.push({ id, device: deviceType.includes("cdrom") ? "cdrom" : "disk", controller: `${diskMatch[1]}${diskMatch[2]}`, ...(file ? { file } : {}) });
        if (diskMatch[1] === "ide" && !controllers.some((controller) => controller.id === `ide${diskMatch[2]}`)) controllers.push({ id: `ide${diskMatch[2]}`, type: "ide", model: "" });
      }
    }
    for (const vmxEntry of entries.values()) {
      const match = /^floppy(\d+)\.present$/.exec(vmxEntry.lkey);
      if (match && isTrue(vmxEntry.value)) {
        const file = get(`floppy${match[1]}.fileName`);
        disks.push({ id: `floppy${match[1]}`, device: "floppy", controller: "floppy", ...(file ? { file } : {}) });
      }
    }
    const name = get("displayName");
    return { ...(name ? { name } : {}), nics, disks, controllers, entries, lines };
  }

  protected linkSplice(nic: Nic, up: boolean): Splice | undefined {
    const key = `ethernet${nic.index}.startconnected`;
    const entry = this.parsed.entries.get(key);
    if (entry) {
      const lines = this.parsed.lines;
      const prev = lines[entry.line.number - 2];
      if (up && prev && prev.text === VMX_MARKER) {
        // p2vfix inserted this line: remove it with its marker, giving back the original bytes.
        // At the end of a file without a final newline, the line break before the marker was ours too.
        const lastLine = entry.line.next === entry.line.end;
        const before = lastLine ? (this.text.slice(0, prev.start).endsWith("\r\n") ? 2 : this.text.slice(0, prev.start).endsWith("\n") ? 1 : 0) : 0;
        return { start: prev.start - before, end: entry.line.next, text: "" };
      }
      const old = this.text.slice(entry.valueStart, entry.valueEnd);
      const eol = lineEnding(this.text);
      const indent = /^[ \t]*/.exec(entry.line.text)?.[0] ?? "";
      const keyPart = this.text.slice(entry.line.start, entry.valueStart);
      const recorded = prev ? recordedValue(prev.text, indent) : undefined;
      if (prev && recorded !== undefined && this.text.slice(prev.end, prev.next) === eol && canRestore(recorded, old, up)) {
        // p2vfix recorded the value it replaced: put it back and remove the record.
        return { start: prev.start, end: entry.valueEnd, text: keyPart + recorded };
      }
      const word = matchCase(old, up ? "TRUE" : "FALSE");
      if (matchCase(word, up ? "FALSE" : "TRUE") === old) return { start: entry.valueStart, end: entry.valueEnd, text: word };
      // Setting the link back could not give this spelling back: record it above the line.
      return { start: entry.line.start, end: entry.valueEnd, text: `${indent}${VMX_RECORD}"${old}"${eol}${keyPart}${word}` };
    }
    if (up) return undefined; // absent means connected
    // Insert after the NIC's last line, with the file's own line ending and indentation.
    let last: VmxEntry | undefined;
    for (const value of this.parsed.entries.values()) {
      if (value.lkey.startsWith(`ethernet${nic.index}.`) && (!last || value.line.start > last.line.start)) last = value;
    }
    if (!last) return undefined;
    const eol = lineEnding(this.text);
    const indent = /^[ \t]*/.exec(last.line.text)?.[0] ?? "";
    const atEof = last.line.next === last.line.end;
    const text = `${atEof ? eol : ""}${indent}${VMX_MARKER}${eol}${indent}ethernet${nic.index}.startConnected = "FALSE"${atEof ? "" : eol}`;
    return { start: last.line.next, end: last.line.next, text };
  }

  liveCommand(selector: NicSelector, up: boolean): string[] {
    // vmrun (VMware Workstation/Fusion/Player VIX) connects and disconnects a named virtual device.
    return selectNics(this.parsed.nics, selector, this.path).map(
      (nic) => `vmrun -T ws ${up ? "connectNamedDevice" : "disconnectNamedDevice"} ${shellQuote(this.path)} ethernet${nic.index}`,
    );
  }

  running(): RunningState {
    // A powered-on VM holds lock folders (name.vmx.lck, disk.vmdk.lck) next to the .vmx.
    const folder = dirname(this.path);
    let locks: string[] = [];
    try {
      locks = readdirSync(folder).filter((fileName) => fileName.toLowerCase().endsWith(".lck"));
    } catch {
      return { running: "unknown", evidence: `cannot list ${folder}` };
    }
    if (locks.length > 0) return { running: true, evidence: `lock ${locks.slice(0, 3).join(", ")} next to ${basename(this.path)}` };
    if (existsSync(`${this.path}.lck`)) return { running: true, evidence: `${basename(this.path)}.lck exists` };
    return { running: false, evidence: "no .lck lock next to the .vmx" };
  }
}

/** `word` in the case style of `old`: "true" → "false", "True" → "False", else upper case. */
function matchCase(old: string, word: string): string {
  if (old !== "" && old === old.toLowerCase()) return word.toLowerCase();
  if (old.length > 1 && old.slice(1) === old.slice(1).toLowerCase()) return word[0] + word.slice(1).toLowerCase();
  return word;
}

/** The value a VMX_RECORD comment line holds (undefined when `line` is not one, with `indent`). */
function recordedValue(line: string, indent: string): string | undefined {
  const head = `${indent}${VMX_RECORD}"`;
  if (!line.startsWith(head) || !line.endsWith('"') || line.length < head.length + 1) return undefined;
  const value = line.slice(head.length, -1);
  return value.includes('"') ? undefined : value;
}

/** True when setting the link to `up` over `current` is the undo of the edit that recorded `recorded`. */
function canRestore(recorded: string, current: string, up: boolean): boolean {
  if (isFalse(recorded) === up) return false; // recorded a value of the other state
  const written = matchCase(recorded, up ? "FALSE" : "TRUE");
  return written === current && matchCase(written, up ? "TRUE" : "FALSE") !== recorded;
}
