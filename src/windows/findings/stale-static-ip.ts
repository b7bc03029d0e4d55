/** Static IPs held by adapters that will be gone after conversion (KB269155 "already assigned"). */
import type { Evidence } from "../schema.js";
import type { FindingRule } from "./types.js";

export const staleStaticIp: FindingRule = (model) => {
  const evidence: Evidence[] = [];
  const names: string[] = [];
  for (const adapter of model.network.adapters) {
    const t = adapter.tcpip;
    if (!t || !t.hasStaticAddress) continue;
    names.push(`${adapter.connectionName ?? adapter.driverDesc ?? adapter.classKey} (${[...t.addresses.map((x) => x.address), ...t.nsi.ipv4.map((x) => x.address), ...t.nsi.ipv6.filter((x) => !/^fe[89ab]/i.test(x.address)).map((x) => x.address)].filter((v, i, all) => all.indexOf(v) === i).join(", ")})`);
    if (t.interfaceKey && t.addresses.length > 0) {
      evidence.push({ key: t.interfaceKey, value: "IPAddress", data: t.addresses.map((x) => x.address).join(",") });
    }
    for (const n of [...t.nsi.ipv4, ...t.nsi.ipv6]) evidence.push({ key: `SYSTEM\\${model.controlSets.resolved}\\Control\\Nsi`, value: n.valueName, data: n.address });
  }
  for (const orphanInterface of model.network.orphanInterfaces) {
    names.push(`interface without adapter (${orphanInterface.addresses.map((x) => x.address).join(", ")})`);
    evidence.push({ key: orphanInterface.interfaceKey, value: "IPAddress", data: orphanInterface.addresses.map((x) => x.address).join(",") });
  }
  if (names.length === 0) return [];
  return [
    {
      id: "stale-static-ip",
      severity: "problem",
      title: "Static IP configuration on adapters that will not exist in the VM",
      detail: `${names.join("; ")}. The new virtual NIC gets DHCP, and assigning the old address to it fails with "already assigned to another adapter" until the old configuration is removed.`,
      evidence,
      fixup: "static-ip",
    },
  ];
};
