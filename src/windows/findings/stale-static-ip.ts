/** Static IPs held by adapters that will be gone after conversion (KB269155 "already assigned"). */
import type { Evidence } from "../schema.js";
import type { FindingRule } from "./types.js";

export const staleStaticIp: FindingRule = (model) => {
  const evidence: Evidence[] = [];
  const names: string[] = [];
  for (const adapter of model.network.adapters) {
    const tcpip = adapter.tcpip;
    if (!tcpip || !tcpip.hasStaticAddress) continue;
    names.push(`${adapter.connectionName ?? adapter.driverDesc ?? adapter.classKey} (${[...tcpip.addresses.map((address) => address.address), ...tcpip.nsi.ipv4.map((address) => address.address), ...tcpip.nsi.ipv6.filter((address) => !/^fe[89ab]/i.test(address.address)).map((address) => address.address)].filter((address, i, all) => all.indexOf(address) === i).join(", ")})`);
    if (tcpip.interfaceKey && tcpip.addresses.length > 0) {
      evidence.push({ key: tcpip.interfaceKey, value: "IPAddress", data: tcpip.addresses.map((address) => address.address).join(",") });
    }
    for (const nsiAddress of [...tcpip.nsi.ipv4, ...tcpip.nsi.ipv6]) evidence.push({ key: `SYSTEM\\${model.controlSets.resolved}\\Control\\Nsi`, value: nsiAddress.valueName, data: nsiAddress.address });
  }
  for (const orphanInterface of model.network.orphanInterfaces) {
    names.push(`interface without adapter (${orphanInterface.addresses.map((address) => address.address).join(", ")})`);
    evidence.push({ key: orphanInterface.interfaceKey, value: "IPAddress", data: orphanInterface.addresses.map((address) => address.address).join(",") });
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
