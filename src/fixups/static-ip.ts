/**
 * Stale static IP (reference §4.4, KB269155): the old adapters keep their static addresses,
 * and the new NICs cannot take them ("already assigned to another adapter"). Offline: every
 * old interface goes back to DHCP with its addresses cleared, and on Vista+ the NSI values
 * carrying its LUID (IPv4/IPv6 addresses and routes) are deleted. With keepIp, one first-boot
 * step per old adapter mapped to a new NIC (nic-mapping.ts) puts its whole configuration there:
 * every IPv4 address, gateways, DNS, suffix and registration, WINS/NetBIOS, IPv6 addresses with
 * their prefix, IPv6 gateway and DNS, its persistent routes (persistent-routes.ts) and its
 * connection name. An old adapter no new NIC takes is recorded in the image
 * (SOFTWARE\p2vfix\Network\Unmapped, read by `report`) and named in the plan.
 */
import { PlanError } from "../errors.js";
import type { RegData, RegistryChange } from "../changes/change.js";
import { moveStaticIpStep, normalizeMac } from "../firstboot/index.js";
import { knowledge } from "../windows/knowledge.js";
import { UNMAPPED_ADAPTERS_KEY as UNMAPPED_KEY } from "../windows/unmapped-adapters.js";
import { NSI_IPV4, NSI_IPV6 } from "../windows/nsi.js";
import type { Tcpip } from "../windows/schema.js";
import { controlSetsToEdit, dword, multi, stripHive, sz } from "./helpers.js";
import { globalIpv6, mapNics, type NicAssignment, type OldAdapter } from "./nic-mapping.js";
import { planRoutes } from "./persistent-routes.js";
import { emptyResult, findingsFor, type Fixup, type FixupContext, type FixupResult } from "./types.js";

const ID = "static-ip";


function oldDeviceIds(context: FixupContext): string[] {
  const ids = new Set<string>();
  for (const adapter of context.model.network.adapters) for (const id of [adapter.deviceInstanceId, adapter.pnpInstanceId]) if (id) ids.add(id);
  return [...ids];
}

/** One line a person can act on: "10.3.58.5/255.255.255.0, gateway 10.3.58.1, DNS 10.3.58.4". */
export function describeTcpip(tcpip: Tcpip): string {
  const parts = [tcpip.addresses.map((address) => `${address.address}/${address.mask ?? "?"}`).join(", ")];
  const v6 = globalIpv6(tcpip).map((address) => (address.prefixLength ? `${address.address}/${address.prefixLength}` : address.address));
  if (v6.length > 0) parts.push(v6.join(", "));
  if (tcpip.gateways.length > 0) parts.push(`gateway ${tcpip.gateways.map((gateway) => gateway.address).join(", ")}`);
  if (tcpip.dnsServers.length + tcpip.ipv6DnsServers.length > 0) parts.push(`DNS ${[...tcpip.dnsServers, ...tcpip.ipv6DnsServers].join(", ")}`);
  if (tcpip.domain) parts.push(`suffix ${tcpip.domain}`);
  return parts.filter((part) => part !== "").join(", ");
}

/** Offline: the old interface back to DHCP, its NSI values deleted. */
function clearOld(result: FixupResult, label: string, oldTcpip: Tcpip): void {
  const { key } = stripHive(oldTcpip.interfaceKey);
  const why = `${label}: the old adapter gives up its static configuration (kept in this plan for the new NIC)`;
  const set = (name: string, data: RegData): void => {
    result.registry.push({ kind: "set-value", fixup: ID, hive: "SYSTEM", key, name, data, reason: why });
  };
  if (key && oldTcpip.dhcp === false) {
    set("EnableDHCP", dword(1));
    if (oldTcpip.addresses.length > 0) {
      set("IPAddress", multi(["0.0.0.0"]));
      set("SubnetMask", multi(["0.0.0.0"]));
    }
    if (oldTcpip.gateways.length > 0) {
      set("DefaultGateway", multi([]));
      set("DefaultGatewayMetric", multi([]));
    }
    if (oldTcpip.dnsServers.length > 0) set("NameServer", sz(""));
  }
  const cs = key ? key.split("\\")[0] : null;
  if (!cs) return;
  const nsi = (store: string, table: string, valueName: string, what: string): void => {
    result.registry.push({ kind: "delete-value", fixup: ID, hive: "SYSTEM", key: `${cs}\\Control\\Nsi\\${store}\\${table}`, name: valueName, reason: `${label}: persistent ${what} of the old adapter (NSI store)` });
  };
  for (const address of oldTcpip.nsi.ipv4) nsi(NSI_IPV4, "10", address.valueName, `IPv4 address ${address.address}`);
  for (const nsiAddress of oldTcpip.nsi.ipv6) nsi(NSI_IPV6, "10", nsiAddress.valueName, `IPv6 address ${nsiAddress.address}`);
  for (const route of oldTcpip.nsi.routes) nsi(NSI_IPV4, "16", route.valueName, `route via ${route.nextHop}`);
  for (const route of oldTcpip.nsi.routesV6) nsi(NSI_IPV6, "16", route.valueName, `IPv6 route via ${route.nextHop}`);
}

/** The unmapped adapter's configuration, kept in SOFTWARE for `report` (and for the person who sets it by hand). */
function recordUnmapped(context: FixupContext, oldAdapter: OldAdapter): RegistryChange[] {
  if (!context.hives.software) return [];
  const key = `${UNMAPPED_KEY}\\${oldAdapter.adapter.netCfgInstanceId ?? oldAdapter.adapter.classKey}`;
  const reason = `${oldAdapter.label}: no new NIC takes this configuration; recorded for \`p2vfix report\` and to be set by hand`;
  const tcpip = oldAdapter.tcpip;
  const values: [string, RegData][] = [
    ["Name", sz(oldAdapter.label)],
    ["Description", sz(oldAdapter.adapter.driverDesc ?? "")],
    ["IPv4", multi(tcpip.addresses.map((address) => `${address.address}/${address.mask ?? "?"}`))],
    ["Gateways", multi(tcpip.gateways.map((gateway) => gateway.address))],
    ["DnsServers", multi([...tcpip.dnsServers, ...tcpip.ipv6DnsServers])],
    ["IPv6", multi(globalIpv6(tcpip).map((address) => (address.prefixLength ? `${address.address}/${address.prefixLength}` : address.address)))],
    ["DnsSuffix", sz(tcpip.domain ?? "")],
    ["Summary", sz(describeTcpip(tcpip))],
  ];
  return [{ kind: "create-key", fixup: ID, hive: "SOFTWARE", key, reason }, ...values.map(([name, data]): RegistryChange => ({ kind: "set-value", fixup: ID, hive: "SOFTWARE", key, name, data, reason }))];
}

/** The id of the step moving the i-th mapped adapter's configuration (of `count`). */
export function moveStepId(index: number, count: number): string {
  return count > 1 ? `move-static-ip-${index + 1}` : "move-static-ip";
}

function stepFor(context: FixupContext, nicAssignment: NicAssignment, id: string, routes: { destination: string; mask: string; gateway: string; metric: number | null }[]) {
  return moveStaticIpStep({
    tcpip: nicAssignment.tcpip,
    id,
    label: nicAssignment.label,
    fixup: ID,
    ...(nicAssignment.mac ? { mac: nicAssignment.mac } : {}),
    oldDeviceIds: oldDeviceIds(context),
    routes,
    connectionName: nicAssignment.adapter.connectionName,
  });
}

/** The VM NIC's model (from --vm) when the image has no driver for it, as a sentence; else null. */
function missingNicDriver(context: FixupContext, nicAssignment: NicAssignment): string | null {
  const vmNics = context.options.vmNics;
  const nic = nicAssignment.mac ? vmNics.find((vmNic) => vmNic.mac && normalizeMac(vmNic.mac) === nicAssignment.mac) : vmNics.length === 1 ? vmNics[0] : undefined;
  if (!nic) return null;
  const target = context.model.bootStorage.targets.find((candidate) => candidate.target === context.options.target);
  const known = knowledge().boot.targets[context.options.target ?? ""]?.nics.find((knownNic) => knownNic.vmModels.includes(nic.model.toLowerCase()));
  const state = known && target?.nics.find((targetNic) => targetNic.model === known.model);
  if (!state || state.state !== "missing") return null;
  return `The VM's NIC${nicAssignment.mac ? ` ${nicAssignment.mac}` : ""} (model ${nic.model}) has no driver in the image (${state.model}: ${state.evidence})`;
}

export const staticIpFixup: Fixup = {
  id: ID,
  title: "Old static IP off the ghost adapters, onto the new NICs",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    const { model, options } = context;
    if (this.detect(model, context.findings).length === 0) return result;
    for (const adapter of model.network.adapters) if (adapter.tcpip?.hasStaticAddress) clearOld(result, adapter.connectionName ?? adapter.driverDesc ?? adapter.classKey, adapter.tcpip);
    for (const orphanInterface of model.network.orphanInterfaces) if (orphanInterface.hasStaticAddress) clearOld(result, `interface ${orphanInterface.interfaceKey.split("\\").pop()}`, orphanInterface);
    if (!options.keepIp) {
      result.notices.push("keepIp is off: the old static configuration is cleared and the new NIC uses DHCP.");
      return result;
    }
    const mapping = mapNics(model, options);
    if (mapping.assigned.length === 0 && mapping.unmapped.length === 0) {
      result.notices.push("The old static addresses are only in the NSI store (no legacy TCP/IP values): set the new NIC's address by hand after the first boot.");
      return result;
    }
    if (!context.firstBoot) {
      for (const oldAdapter of [...mapping.assigned, ...mapping.unmapped]) result.notices.push(`No first-boot runner on this Windows: after the first boot, set ${describeTcpip(oldAdapter.tcpip)} on the new NIC by hand (was ${oldAdapter.label}).`);
      return result;
    }
    const routes = planRoutes(model.network.persistentRoutes, mapping.assigned.map((nicAssignment) => nicAssignment.tcpip));
    for (const cs of controlSetsToEdit(context)) {
      const key = `${cs}\\Services\\Tcpip\\Parameters\\PersistentRoutes`;
      const present = context.hives.system.key(key);
      for (const route of routes.remove) {
        if (present?.value(route.route.valueName)) result.registry.push({ kind: "delete-value", fixup: ID, hive: "SYSTEM", key, name: route.route.valueName, reason: `persistent route ${route.route.valueName}: ${route.why}` });
      }
    }
    mapping.assigned.forEach((nicAssignment, i) => {
      const moved = (routes.moveWith.get(nicAssignment.tcpip) ?? []).map((persistentRoute) => ({ destination: persistentRoute.destination, mask: persistentRoute.mask, gateway: persistentRoute.gateway, metric: persistentRoute.metric }));
      try {
        const step = stepFor(context, nicAssignment, moveStepId(i, mapping.assigned.length), moved);
        const missing = missingNicDriver(context, nicAssignment);
        if (missing) {
          // Retrying cannot make a driver appear: one attempt, and the plan says why.
          step.retries = 0;
          result.notices.push(`${missing}: the step for ${nicAssignment.label} will not find the NIC. Install the driver in the image or give the VM a NIC model it has a driver for.`);
        }
        result.steps.push(step);
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
        result.notices.push(`The static configuration of ${nicAssignment.label} cannot be moved automatically (${err.message}): set ${describeTcpip(nicAssignment.tcpip)} by hand after the first boot.`);
      }
    });
    for (const oldAdapter of mapping.unmapped) {
      result.registry.push(...recordUnmapped(context, oldAdapter));
      result.notices.push(`${oldAdapter.label} (${describeTcpip(oldAdapter.tcpip)}) has no new NIC: its configuration is cleared from the ghost and recorded in the image (p2vfix report lists it); give a MAC with --mac or nics: to move it.`);
    }
    for (const teamMember of mapping.teamMembers) result.notices.push(`${teamMember.label} is a member of a team: its own static values are cleared only (the team's configuration is what moves).`);
    for (const spareMac of mapping.spareMacs) result.notices.push(`The new NIC ${spareMac} has no old adapter with a static configuration left to take: it keeps DHCP.`);
    if (routes.left.length > 0) result.notices.push(`Persistent routes left as they are (no moved adapter reaches their gateway): ${routes.left.map((persistentRoute) => persistentRoute.valueName).join("; ")}.`);
    return result;
  },
};
