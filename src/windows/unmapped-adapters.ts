/**
 * Old adapters whose static configuration no new NIC took (the static-ip fixup records them in
 * SOFTWARE\p2vfix\Network\Unmapped\<interface GUID>, one subkey each): what `report` lists so a
 * person can set them by hand. The runner never removes this key.
 */
import { readMulti, readString, type RegistryKey } from "./registry.js";

export const UNMAPPED_ADAPTERS_KEY = "p2vfix\\Network\\Unmapped";

export interface UnmappedAdapter {
  interface: string;
  name: string;
  summary: string;
  ipv4: string[];
  ipv6: string[];
  gateways: string[];
  dnsServers: string[];
  dnsSuffix: string;
}

export function readUnmappedAdapters(software: RegistryKey | undefined): UnmappedAdapter[] {
  return (software?.key(UNMAPPED_ADAPTERS_KEY)?.subkeys() ?? []).map((k) => ({
    interface: k.name,
    name: readString(k, "Name") ?? k.name,
    summary: readString(k, "Summary") ?? "",
    ipv4: readMulti(k, "IPv4") ?? [],
    ipv6: readMulti(k, "IPv6") ?? [],
    gateways: readMulti(k, "Gateways") ?? [],
    dnsServers: readMulti(k, "DnsServers") ?? [],
    dnsSuffix: readString(k, "DnsSuffix") ?? "",
  }));
}

/** Lines for the human report (empty when every old adapter found a NIC). */
export function renderUnmappedAdapters(list: UnmappedAdapter[]): string {
  if (list.length === 0) return "";
  const lines = ["", "Old adapters with no new NIC (configuration recorded at plan time; set it by hand where it belongs):"];
  for (const a of list) lines.push(`  ${a.name} (${a.interface}): ${a.summary}`);
  return lines.join("\n") + "\n";
}
