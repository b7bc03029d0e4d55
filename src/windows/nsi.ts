/**
 * The Vista+ persistent NSI store (CCS\Control\Nsi), reference 4.2. The data is treated as
 * opaque; only the value NAMES are decoded: NET_LUID (8 bytes little-endian as 16 hex digits)
 * followed by the address in network order. Layout of IPv4 unicast names and routes verified on
 * the Windows 7 sample; the IPv6 names are read by analogy (LUID + 16 address bytes).
 *
 * Two facts read from the DATA, kept here so they are easy to change:
 * - unicast address data: two DWORD lifetimes (0xffffffff = infinite), two DWORDs, then the
 *   on-link prefix length as a DWORD at offset 16. Verified for IPv4 on the Windows 7 sample
 *   (10.3.58.5 with SubnetMask 255.255.255.0 holds 0x18); the same offset for IPv6 is
 *   UNVERIFIED (by analogy; netsh's own /64 default applies when it cannot be read).
 * - route names: a destination block, the interface LUID twice, then the next hop. The IPv4
 *   layout (24-byte block, 4-byte next hop) is verified on the Windows 7 sample, and only for
 *   default routes (an all-zero block); the IPv6 one (16-byte next hop after the LUID pair) is
 *   UNVERIFIED. A route whose block is not all zeros is kept as "not default" and not decoded.
 */
import { toHex, type RegistryKey } from "./registry.js";
import type { NsiAddress, NsiRoute } from "./schema.js";

export const NSI_IPV4 = "{eb004a00-9b1a-11d4-9123-0050047759bc}";
export const NSI_IPV6 = "{eb004a01-9b1a-11d4-9123-0050047759bc}";
export const NSI_TCP = "{eb004a03-9b1a-11d4-9123-0050047759bc}";

/** NET_LUID as NSI writes it in value names: reserved(3) index(3, LE) ifType(2, LE). */
export function luidHex(netLuidIndex: number, ifType: number): string {
  const bytes = new Uint8Array(8);
  bytes[3] = netLuidIndex & 0xff;
  bytes[4] = (netLuidIndex >> 8) & 0xff;
  bytes[5] = (netLuidIndex >> 16) & 0xff;
  bytes[6] = ifType & 0xff;
  bytes[7] = (ifType >> 8) & 0xff;
  return toHex(bytes);
}

/** Offset of the prefix length DWORD in unicast address data (see above). */
export const NSI_PREFIX_LENGTH_OFFSET = 16;

/** The prefix length from an address value's data, or null when it is short or out of range. */
export function nsiPrefixLength(data: Uint8Array, max: number): number | null {
  if (data.length < NSI_PREFIX_LENGTH_OFFSET + 4) return null;
  const prefixLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(NSI_PREFIX_LENGTH_OFFSET, true);
  return prefixLength >= 1 && prefixLength <= max ? prefixLength : null;
}

function ipv4(hex: string): string {
  return [0, 2, 4, 6].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(".");
}

function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 prints it.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let end = i;
    while (end < 8 && groups[end] === "0") end++;
    if (end - i > bestLen) {
      best = i;
      bestLen = end - i;
    }
    i = end === i ? i + 1 : end;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

export interface NsiStore {
  ipv4: NsiAddress[];
  ipv6: NsiAddress[];
  routes: NsiRoute[];
  /** IPv6 routes: the LUID pair is found in the name, the 16-byte next hop follows it. */
  routesV6: NsiRoute[];
  tcpModulePresent: boolean;
}

export function readNsi(ccs: RegistryKey): NsiStore {
  const nsi = ccs.key("Control\\Nsi");
  const store: NsiStore = { ipv4: [], ipv6: [], routes: [], routesV6: [], tcpModulePresent: nsi?.subkey(NSI_TCP) !== undefined };
  if (!nsi) return store;
  for (const value of nsi.key(`${NSI_IPV4}\\10`)?.values() ?? []) {
    const lowerName = value.name.toLowerCase();
    if (!/^[0-9a-f]{24,}$/.test(lowerName)) continue;
    const data = value.data();
    store.ipv4.push({ luid: lowerName.slice(0, 16), address: ipv4(lowerName.slice(16, 24)), prefixLength: nsiPrefixLength(data, 32), valueName: value.name, dataHex: toHex(data) });
  }
  for (const registryValue of nsi.key(`${NSI_IPV6}\\10`)?.values() ?? []) {
    const lowerName = registryValue.name.toLowerCase();
    if (!/^[0-9a-f]{48,}$/.test(lowerName)) continue;
    const data = registryValue.data();
    store.ipv6.push({ luid: lowerName.slice(0, 16), address: ipv6(lowerName.slice(16, 48)), prefixLength: nsiPrefixLength(data, 128), valueName: registryValue.name, dataHex: toHex(data) });
  }
  // Route names: destination prefix block (24 bytes), LUID, LUID, next hop (4), padding (4).
  for (const value of nsi.key(`${NSI_IPV4}\\16`)?.values() ?? []) {
    const lowerName = value.name.toLowerCase();
    if (!/^[0-9a-f]{96}$/.test(lowerName)) continue;
    store.routes.push({ luid: lowerName.slice(48, 64), nextHop: ipv4(lowerName.slice(80, 88)), isDefault: /^0+$/.test(lowerName.slice(0, 48)), valueName: value.name });
  }
  for (const registryValue of nsi.key(`${NSI_IPV6}\\16`)?.values() ?? []) {
    const route = ipv6Route(registryValue.name.toLowerCase());
    if (route) store.routesV6.push({ ...route, valueName: registryValue.name });
  }
  return store;
}

/**
 * An IPv6 route name: the LUID pair is the last 8-byte group repeated at once with room for the
 * 16-byte next hop after it (UNVERIFIED layout; searched from the end because the zero bytes of a
 * default destination also repeat one byte off the real pair).
 */
function ipv6Route(valueName: string): Omit<NsiRoute, "valueName"> | null {
  if (!/^[0-9a-f]+$/.test(valueName) || valueName.length % 2 !== 0) return null;
  for (let i = valueName.length - 64; i >= 0; i -= 2) {
    const luid = valueName.slice(i, i + 16);
    if (/^0+$/.test(luid) || valueName.slice(i + 16, i + 32) !== luid) continue;
    return { luid, nextHop: ipv6(valueName.slice(i + 32, i + 64)), isDefault: /^0*$/.test(valueName.slice(0, i)) };
  }
  return null;
}
