/**
 * Which new NIC takes which old adapter's static configuration. The old adapters with a static
 * configuration are put in one order (teams first, as they carry the server's address, then
 * adapters with a default gateway, then the others; class-key order inside each group), and the
 * new NICs' MACs are given to them: first those the `nics:` option names explicitly (by
 * connection name, interface GUID or class key), then the `--mac` list in order. Team members
 * never take a NIC: their own TCP/IP binding is inactive while they are in a team.
 *
 * With no MAC at all, the first adapter in that order still moves, to "the only new adapter"
 * (the step finds it by its PnP id); the others stay unmapped: their configuration is cleared
 * from the ghost, recorded in the image and listed by `report`.
 */
import { PlanError } from "../errors.js";
import { normalizeMac } from "../firstboot/index.js";
import type { WindowsModel } from "../windows/model.js";
import type { Adapter, Tcpip } from "../windows/schema.js";
import type { FixupOptions } from "./options.js";

export interface OldAdapter {
  adapter: Adapter;
  tcpip: Tcpip;
  /** Connection name, else driver description, else class key. */
  label: string;
}

export interface NicAssignment extends OldAdapter {
  /** WMI form "00:15:5D:01:0A:02"; null: found as the only new adapter. */
  mac: string | null;
}

export interface NicMapping {
  assigned: NicAssignment[];
  unmapped: OldAdapter[];
  /** MACs no old adapter with a static configuration was left for (that NIC keeps DHCP). */
  spareMacs: string[];
  /** Team members whose own static values are only cleared. */
  teamMembers: OldAdapter[];
}

/** IPv6 addresses worth moving: not link-local. */
export function globalIpv6(tcpip: Tcpip): Tcpip["nsi"]["ipv6"] {
  return tcpip.nsi.ipv6.filter((address) => !/^fe[89ab][0-9a-f]:/i.test(address.address));
}

/** A static configuration a step can put on a new NIC: IPv4 with DHCP off, or global IPv6 in NSI. */
export function isMovable(settings: Tcpip): boolean {
  return (settings.dhcp === false && settings.addresses.length > 0) || globalIpv6(settings).length > 0;
}

export function adapterLabel(adapter: Adapter): string {
  return adapter.connectionName ?? adapter.driverDesc ?? adapter.classKey;
}

function rank(oldAdapter: OldAdapter): number {
  if (oldAdapter.adapter.team) return 0;
  return oldAdapter.tcpip.gateways.length > 0 || oldAdapter.tcpip.nsi.routesV6.some((route) => route.isDefault) ? 1 : 2;
}

/** The old adapters with a movable configuration, in mapping order (see above). */
export function oldAdapters(model: WindowsModel): { movable: OldAdapter[]; teamMembers: OldAdapter[] } {
  const movable: OldAdapter[] = [];
  const teamMembers: OldAdapter[] = [];
  for (const adapter of model.network.adapters) {
    if (!adapter.tcpip || !isMovable(adapter.tcpip)) continue;
    const movableAdapter = { adapter: adapter, tcpip: adapter.tcpip, label: adapterLabel(adapter) };
    (adapter.teamMemberOf ? teamMembers : movable).push(movableAdapter);
  }
  movable.sort((oldAdapter, other) => rank(oldAdapter) - rank(other));
  return { movable, teamMembers };
}

function matches(oldAdapter: OldAdapter, name: string): boolean {
  const wanted = name.trim().toLowerCase();
  const guid = oldAdapter.adapter.netCfgInstanceId?.toLowerCase();
  return [oldAdapter.adapter.connectionName, oldAdapter.adapter.classKey, oldAdapter.adapter.driverDesc].some((label) => label?.toLowerCase() === wanted) || (guid !== undefined && (guid === wanted || guid === `{${wanted}}`));
}

export function mapNics(model: WindowsModel, options: Pick<FixupOptions, "mac" | "macs" | "nics">): NicMapping {
  const { movable, teamMembers } = oldAdapters(model);
  const macs = (options.macs.length > 0 ? options.macs : options.mac ? [options.mac] : []).map(normalizeMac);
  const explicit = options.nics.map((nic) => ({ ...nic, mac: normalizeMac(nic.mac) }));
  const seen = new Set<string>();
  for (const mac of [...explicit.map((pick) => pick.mac), ...macs]) {
    if (seen.has(mac)) throw new PlanError("duplicate-mac", `the MAC ${mac} is given for two old adapters: each new NIC takes one adapter's configuration`);
    seen.add(mac);
  }
  const byAdapter = new Map<OldAdapter, string>();
  for (const pick of explicit) {
    const hit = movable.find((oldAdapter) => matches(oldAdapter, pick.adapter));
    if (!hit) {
      const known = movable.map((oldAdapter) => oldAdapter.label).join(", ") || "none";
      throw new PlanError("unknown-old-adapter", `nics: no old adapter with a static configuration is named ${JSON.stringify(pick.adapter)} (adapters: ${known})`);
    }
    if (byAdapter.has(hit)) throw new PlanError("duplicate-old-adapter", `nics: ${hit.label} is given two MACs`);
    byAdapter.set(hit, pick.mac);
  }
  const queue = [...macs];
  for (const oldAdapter of movable) if (!byAdapter.has(oldAdapter) && queue.length > 0) byAdapter.set(oldAdapter, queue.shift()!);
  const assigned: NicAssignment[] = [];
  const unmapped: OldAdapter[] = [];
  const anyMac = explicit.length + macs.length > 0;
  for (const oldAdapter of movable) {
    const mac = byAdapter.get(oldAdapter);
    if (mac) assigned.push({ ...oldAdapter, mac });
    else if (!anyMac && assigned.length === 0) assigned.push({ ...oldAdapter, mac: null });
    else unmapped.push(oldAdapter);
  }
  return { assigned, unmapped, spareMacs: queue, teamMembers };
}
