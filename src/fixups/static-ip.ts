/**
 * Stale static IP (reference §4.4, KB269155): the old adapters keep their static addresses,
 * and the new NIC cannot take them ("already assigned to another adapter"). Offline: every
 * old interface goes back to DHCP with its addresses cleared, and on Vista+ the NSI values
 * carrying its LUID are deleted. With keepIp, a first-boot step puts the configuration (from
 * the team adapter when there is one) on the new NIC, found by MAC or as the only new adapter.
 */
import { PlanError } from "../errors.js";
import type { RegData } from "../changes/change.js";
import { moveStaticIpStep } from "../firstboot/index.js";
import { NSI_IPV4, NSI_IPV6 } from "../windows/nsi.js";
import type { Adapter, Tcpip } from "../windows/schema.js";
import { dword, multi, stripHive, sz } from "./helpers.js";
import { emptyResult, findingsFor, type Fixup } from "./types.js";

const ID = "static-ip";

function oldDeviceIds(adapters: Adapter[]): string[] {
  const ids = new Set<string>();
  for (const a of adapters) for (const id of [a.deviceInstanceId, a.pnpInstanceId]) if (id) ids.add(id);
  return [...ids];
}

export const staticIpFixup: Fixup = {
  id: ID,
  title: "Old static IP off the ghost adapters, onto the new NIC",
  detect: findingsFor(ID),
  plan(context) {
    const result = emptyResult();
    const { model, options } = context;
    if (this.detect(model, context.findings).length === 0) return result;
    const stale: { label: string; tcpip: Tcpip; adapter?: Adapter }[] = [];
    for (const a of model.network.adapters) if (a.tcpip?.hasStaticAddress) stale.push({ label: a.connectionName ?? a.driverDesc ?? a.classKey, tcpip: a.tcpip, adapter: a });
    for (const t of model.network.orphanInterfaces) if (t.hasStaticAddress) stale.push({ label: `interface ${t.interfaceKey.split("\\").pop()}`, tcpip: t });
    for (const s of stale) {
      const t = s.tcpip;
      const { key } = stripHive(t.interfaceKey);
      const why = `${s.label}: the old adapter gives up its static configuration (kept in this plan for the new NIC)`;
      const set = (name: string, data: RegData): void => {
        result.registry.push({ kind: "set-value", fixup: ID, hive: "SYSTEM", key, name, data, reason: why });
      };
      if (t.dhcp === false) {
        set("EnableDHCP", dword(1));
        if (t.addresses.length > 0) {
          set("IPAddress", multi(["0.0.0.0"]));
          set("SubnetMask", multi(["0.0.0.0"]));
        }
        if (t.gateways.length > 0) {
          set("DefaultGateway", multi([]));
          set("DefaultGatewayMetric", multi([]));
        }
        if (t.dnsServers.length > 0) set("NameServer", sz(""));
      }
      const cs = key.split("\\")[0];
      const nsi = (store: string, table: string, valueName: string, what: string): void => {
        result.registry.push({ kind: "delete-value", fixup: ID, hive: "SYSTEM", key: `${cs}\\Control\\Nsi\\${store}\\${table}`, name: valueName, reason: `${s.label}: persistent ${what} of the old adapter (NSI store)` });
      };
      for (const n of t.nsi.ipv4) nsi(NSI_IPV4, "10", n.valueName, `IPv4 address ${n.address}`);
      for (const n of t.nsi.ipv6) nsi(NSI_IPV6, "10", n.valueName, `IPv6 address ${n.address}`);
      for (const r of t.nsi.routes) nsi(NSI_IPV4, "16", r.valueName, `route via ${r.nextHop}`);
    }
    if (!options.keepIp) {
      result.notices.push("keepIp is off: the old static configuration is cleared and the new NIC uses DHCP.");
      return result;
    }
    // The team adapter carries the server's address; else the first adapter with static IPv4.
    const movable = stale.filter((s) => s.tcpip.dhcp === false && s.tcpip.addresses.length > 0);
    const source = movable.find((s) => s.adapter?.team) ?? movable[0];
    if (!source) {
      result.notices.push("The old static addresses are only in the NSI store (no legacy TCP/IP values): set the new NIC's address by hand after the first boot.");
      return result;
    }
    const addresses = source.tcpip.addresses.map((a) => `${a.address}/${a.mask ?? "?"}`).join(", ");
    if (!context.firstBoot) {
      result.notices.push(`No first-boot runner on this Windows: after the first boot, set ${addresses} (gateway ${source.tcpip.gateways.map((g) => g.address).join(", ") || "none"}, DNS ${source.tcpip.dnsServers.join(", ") || "none"}) on the new NIC by hand.`);
      return result;
    }
    if (movable.length > 1) {
      result.notices.push(`Several old adapters had static IPv4 (${movable.map((m) => m.label).join("; ")}): the first-boot step moves ${source.label}'s (${addresses}); the others are cleared only.`);
    }
    try {
      result.steps.push(
        moveStaticIpStep({
          tcpip: source.tcpip,
          fixup: ID,
          ...(options.mac ? { mac: options.mac } : {}),
          oldDeviceIds: oldDeviceIds(model.network.adapters),
        }),
      );
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      result.notices.push(`The static IP of ${source.label} cannot be moved automatically (${err.message}): set it by hand after the first boot.`);
    }
    return result;
  },
};
