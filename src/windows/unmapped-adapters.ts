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
  return (software?.key(UNMAPPED_ADAPTERS_KEY)?.subkeys() ?? []).map((subkey) => ({
    interface: subkey.name,
    name: readString(subkey, "Name") ?? subkey.name,
    summary: readString(subkey, "Summary") ?? "",
    ipv4: readMulti(subkey, "IPv4") ?? [],
    ipv6: readMulti(subkey, "IPv6") ?? [],
    gateways: readMulti(subkey, "Gateways") ?? [],
    dnsServers: readMulti(subkey, "DnsServers") ?? [],
    dnsSuffix: readString(subkey, "DnsSuffix") ?? "",
  }));
}

/** Lines for the human report (empty when every old adapter found a NIC). */
export function renderUnmappedAdapters(list: UnmappedAdapter[]): string {
  if (list.length === 0) return "";
  const lines = ["", "Old adapters with no new NIC (configuration recorded at plan time; set it by hand where it belongs):"];
  for (const unmappedAdapter of list) lines.push(`  ${unmappedAdapter.name} (${unmappedAdapter.interface}): ${unmappedAdapter.summary}`);
  return lines.join("\n") + "\n";
}
