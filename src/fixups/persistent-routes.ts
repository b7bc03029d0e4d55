/**
 * Tcpip\Parameters\PersistentRoutes after a conversion (reference: route /p docs; Forklift
 * MTV-2612/MTV-5880, https://github.com/kubev2v/forklift/pull/1903 and /pull/7245: duplicate
 * persistent default routes after migration). The values name no interface, so each route is
 * given to the old adapter whose IPv4 subnet holds its gateway. Then:
 * - a default route (0.0.0.0/0.0.0.0) through the gateway an adapter's step sets with
 *   SetGateways is a duplicate of that gateway: it is deleted offline (the Windows 7 sample keeps
 *   every gateway there as well, "0.0.0.0,0.0.0.0,10.3.58.1,-1");
 * - the same destination/mask/gateway written twice (different metric spellings) keeps one;
 * - the other routes of a mapped adapter are re-added on its new interface by the step
 *   (route -p add ... if N), and stay in PersistentRoutes meanwhile;
 * - routes of unmapped adapters and routes no adapter reaches are left as they are.
 */
import type { PersistentRoute } from "../windows/tcpip.js";
import type { Tcpip } from "../windows/schema.js";

function toInt(dotted: string): number {
  return dotted.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** The gateway is inside one of the configuration's IPv4 subnets. */
export function reaches(tcpip: Tcpip, gateway: string): boolean {
  const gatewayInt = toInt(gateway);
  return tcpip.addresses.some((address) => address.mask !== null && (toInt(address.address) & toInt(address.mask)) >>> 0 === (gatewayInt & toInt(address.mask)) >>> 0);
}

export interface RoutePlan {
  /** Values to delete offline, with why. */
  remove: { route: PersistentRoute; why: string }[];
  /** Routes the step of each mapped configuration re-adds on the new interface. */
  moveWith: Map<Tcpip, PersistentRoute[]>;
  /** Routes left as they are (no adapter reaches the gateway, or its adapter is not mapped). */
  left: PersistentRoute[];
}

export function planRoutes(routes: PersistentRoute[], mapped: Tcpip[]): RoutePlan {
  const out: RoutePlan = { remove: [], moveWith: new Map(), left: [] };
  const kept = new Map<string, PersistentRoute>();
  for (const persistentRoute of routes) {
    const key = `${persistentRoute.destination}/${persistentRoute.mask}/${persistentRoute.gateway}`;
    const first = kept.get(key);
    if (first) {
      out.remove.push({ route: persistentRoute, why: `the same route as ${first.valueName}` });
      continue;
    }
    kept.set(key, persistentRoute);
  }
  for (const persistentRoute of kept.values()) {
    const owner = mapped.find((tcpip) => reaches(tcpip, persistentRoute.gateway));
    const isDefault = persistentRoute.destination === "0.0.0.0" && persistentRoute.mask === "0.0.0.0";
    if (owner && isDefault && owner.gateways.some((gateway) => gateway.address === persistentRoute.gateway)) {
      out.remove.push({ route: persistentRoute, why: "a second default route through the gateway the first-boot step sets on the new NIC" });
    } else if (owner) {
      out.moveWith.set(owner, [...(out.moveWith.get(owner) ?? []), persistentRoute]);
    } else {
      out.left.push(persistentRoute);
    }
  }
  return out;
}
