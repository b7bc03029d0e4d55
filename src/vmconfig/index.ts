/**
 * VM definitions: open any supported format (detected by content), list NICs, disks and
 * storage controllers, set a NIC's link down/up with byte-exact edits, save atomically, and
 * give the hypervisor's own command for a running VM.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { NotFoundError, VmConfigError } from "../errors.js";
import { decodeJsonExport, HypervConfig } from "./hyperv.js";
import { LibvirtConfig } from "./libvirt.js";
import { OvaConfig } from "./ova.js";
import { OvfConfig } from "./ovf.js";
import { looksLikeProxmox, ProxmoxConfig } from "./proxmox.js";
import { isTarHeader } from "./tar.js";
import { bytesToText } from "./text.js";
import type { VmConfig } from "./types.js";
import { VboxConfig } from "./vbox.js";
import { looksLikeVmx, VmxConfig } from "./vmx.js";
import { scanXml } from "./xml-scan.js";

export type * from "./types.js";
export { normaliseMac } from "./mac.js";

/** Definitions larger than this are not VM definitions (an OVA is read member by member). */
const MAX_DEFINITION = 16 << 20;

export function openVmConfig(path: string): VmConfig {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError("not-found", `no such file: ${path}`, { path });
    throw new VmConfigError("open-failed", `cannot open ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  let head: Uint8Array;
  let size: number;
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new VmConfigError("is-directory", `${path} is a directory`, { path });
    size = stat.size;
    head = new Uint8Array(Math.min(size, 512));
    readSync(fd, head, 0, head.length, 0);
    if (isTarHeader(head)) return OvaConfig.open(path);
    if (size > MAX_DEFINITION) throw new VmConfigError("too-large", `${path} is ${size} bytes: not a VM definition`, { path });
  } finally {
    closeSync(fd);
  }
  const bytes = new Uint8Array(size);
  const again = openSync(path, "r");
  try {
    let done = 0;
    while (done < size) {
      const bytesRead = readSync(again, bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  } finally {
    closeSync(again);
  }
  return parseVmConfig(path, bytes);
}

/** Detects the format of a definition's bytes and parses it. `path` names it in errors and commands. */
export function parseVmConfig(path: string, bytes: Uint8Array): VmConfig {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new HypervConfig(path, decodeJsonExport(bytes));
  const text = bytesToText(bytes);
  const body = text.replace(/^\xef\xbb\xbf/, "").trimStart();
  if (body.startsWith("<")) {
    const root = scanXml(text, path);
    if (root.name === "domain") return LibvirtConfig.fromText(path, text);
    if (root.local === "VirtualBox") return VboxConfig.fromText(path, text);
    if (root.local === "Envelope") return OvfConfig.fromText(path, text);
    throw new VmConfigError("unknown-format", `line 1: XML with root <${root.name}> is not a libvirt domain, VirtualBox machine or OVF envelope`, { path, offset: root.start });
  }
  if (body.startsWith("[") || body.startsWith("{")) return new HypervConfig(path, decodeJsonExport(bytes));
  if (looksLikeVmx(text)) return VmxConfig.fromText(path, text);
  if (looksLikeProxmox(text)) return ProxmoxConfig.fromText(path, text);
  throw new VmConfigError("unknown-format", "line 1: not a known VM definition (.vmx, libvirt XML, Proxmox .conf, .vbox, OVF/OVA, Hyper-V JSON)", { path, offset: 0 });
}
