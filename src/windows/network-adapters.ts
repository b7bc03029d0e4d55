/**
 * Network adapters (reference 3.1, 3.2): one class key per adapter instance under
 * CCS\Control\Class\{4d36e972-...}, joined by NetCfgInstanceId with its connection
 * (CCS\Control\Network\{4D36E972-...}\{GUID}\Connection) and its TCP/IP configuration.
 */
import { P2vfixError } from "../errors.js";
import { knowledge } from "./knowledge.js";
import { luidHex, readNsi } from "./nsi.js";
import { readMulti, readString, stringValues, subkeysNamed, subkeysOf, type RegistryKey } from "./registry.js";
import type { Adapter, Network, NetworkCard, Tcpip } from "./schema.js";
import { readPersistentRoutes, readTcpip, tcpipRoots, type PersistentRoute, type TcpipRoots } from "./tcpip.js";
import { ValueNames } from "./value-names.js";

export const NET_CLASS = "{4D36E972-E325-11CE-BFC1-08002BE10318}";

const NCF_FLAGS: [number, string][] = [
  [0x1, "virtual"],
  [0x2, "software-enumerated"],
  [0x4, "physical"],
  [0x8, "hidden"],
  [0x10, "no-service"],
  [0x20, "not-user-removable"],
  [0x80, "has-ui"],
  [0x400, "filter"],
  [0x40000, "lw-filter"],
];

export function characteristicFlags(characteristics: number | null): string[] {
  if (characteristics === null) return [];
  return NCF_FLAGS.filter(([bit]) => (characteristics & bit) !== 0).map(([, name]) => name);
}

/** The team kinds with their component ids and services lower-cased once. */
let teamMatchers: { kind: string; vendor: string; componentIds: string[]; services: string[] }[] | undefined;

function teamOf(componentId: string | null, service: string | null): Adapter["team"] {
  teamMatchers ??= knowledge().vendors.teams.map((team) => ({
    kind: team.kind,
    vendor: team.vendor,
    componentIds: team.componentIds.map((id) => id.toLowerCase()),
    services: team.services.map((name) => name.toLowerCase()),
  }));
  const cid = componentId?.toLowerCase() ?? "";
  const svc = service?.toLowerCase() ?? "";
  for (const teamMatcher of teamMatchers) {
    if (teamMatcher.componentIds.some((prefix) => cid !== "" && cid.startsWith(prefix)) || teamMatcher.services.some((name) => name === svc)) {
      return { kind: teamMatcher.kind, vendor: teamMatcher.vendor, members: [] };
    }
  }
  return null;
}

/** Members: adapters (not teams themselves) whose UpperBind names the team kind's protocol. */
function linkTeams(adapters: Adapter[]): void {
  const teams = knowledge().vendors.teams;
  for (const team of adapters.filter((adapter) => adapter.team)) {
    const protocols = new Set(teams.find((candidate) => candidate.kind === team.team!.kind)!.protocols.map((protocol) => protocol.toLowerCase()));
    for (const adapter of adapters) {
      if (adapter.team || !adapter.upperBind.some((bound) => protocols.has(bound.toLowerCase()))) continue;
      team.team!.members.push(adapter.classKey);
      adapter.teamMemberOf ??= team.classKey;
    }
  }
}

/**
 * The parents every adapter is joined through, looked up once per call: each lookup from the
 * control set walks several levels, and a parent that is absent (NetworkSetup2 before Windows
 * 10) costs a scan of its siblings to prove it.
 */
interface AdapterRoots extends TcpipRoots {
  /** CCS\Control\Network\{4D36E972-...}: one subkey per NetCfgInstanceId. */
  connections: RegistryKey | undefined;
  /** CCS\Control\NetworkSetup2\Interfaces (Windows 10 and later). */
  setup2Interfaces: RegistryKey | undefined;
}

/** NetworkSetup2 Kernel\PermanentAddress (REG_BINARY, 6 bytes) as aa-bb-cc-dd-ee-ff. */
function permanentAddress(roots: AdapterRoots, guid: string | null): string | null {
  if (!guid) return null;
  const data = roots.setup2Interfaces?.key(`${guid}\\Kernel`)?.value("PermanentAddress")?.data();
  if (!data || data.length !== 6) return null;
  return [...data].map((byte) => byte.toString(16).padStart(2, "0")).join("-");
}

/** Standardized keywords ("*JumboPacket") and vendor keywords that have an Ndi\Params entry. */
function advancedKeywords(key: RegistryKey): Record<string, string> {
  const strings = stringValues(key);
  const vendor = strings.names.filter((name) => !name.startsWith("*"));
  // Params entries found in one pass: most string values have none, and each miss alone would
  // read every Params name.
  const params = vendor.length > 0 ? subkeysNamed(key.key("Ndi\\Params"), vendor) : new Map<string, RegistryKey>();
  const out: Record<string, string> = {};
  strings.names.forEach((name, i) => {
    if (name.startsWith("*") || params.has(name)) out[name] = strings.text(i);
  });
  return out;
}

/** The values read of every adapter's class key, looked up in one pass. */
const ADAPTER_VALUES = new ValueNames([
  "NetCfgInstanceId",
  "ComponentId",
  "Characteristics",
  "NetLuidIndex",
  "*IfType",
  "DriverDesc",
  "MatchingDeviceId",
  "DeviceInstanceID",
  "ProviderName",
  "DriverVersion",
  "NetworkAddress",
] as const);

function readAdapter(roots: AdapterRoots, key: RegistryKey, nsi: ReturnType<typeof readNsi>): Adapter {
  const values = ADAPTER_VALUES.of(key);
  const guid = values.readString("NetCfgInstanceId") ?? null;
  const componentId = values.readString("ComponentId") ?? null;
  const service = readString(key.subkey("Ndi"), "Service") ?? null;
  const characteristics = values.readDword("Characteristics") ?? null;
  const netLuidIndex = values.readDword("NetLuidIndex") ?? null;
  const ifType = values.readDword("*IfType") ?? null;
  const luid = netLuidIndex !== null && ifType !== null ? luidHex(netLuidIndex, ifType) : null;
  const connection = guid ? roots.connections?.key(`${guid}\\Connection`) : undefined;
  return {
    classKey: key.name,
    netCfgInstanceId: guid,
    driverDesc: values.readString("DriverDesc") ?? null,
    componentId,
    matchingDeviceId: values.readString("MatchingDeviceId") ?? null,
    deviceInstanceId: values.readString("DeviceInstanceID") ?? null,
    service,
    characteristics,
    flags: characteristicFlags(characteristics),
    physical: characteristics !== null && (characteristics & 0x4) !== 0,
    providerName: values.readString("ProviderName") ?? null,
    driverVersion: values.readString("DriverVersion") ?? null,
    netLuidIndex,
    ifType,
    luid,
    networkAddress: values.readString("NetworkAddress") || null,
    permanentAddress: permanentAddress(roots, guid),
    connectionName: readString(connection, "Name") ?? null,
    pnpInstanceId: readString(connection, "PnpInstanceID") ?? null,
    advanced: advancedKeywords(key),
    upperBind: readMulti(key.subkey("Linkage"), "UpperBind") ?? [],
    team: teamOf(componentId, service),
    teamMemberOf: null,
    tcpip: guid ? readTcpip(roots, guid, nsi, luid) : null,
  };
}

function readNetworkCards(software: RegistryKey): NetworkCard[] {
  return subkeysOf(software.key("Microsoft\\Windows NT\\CurrentVersion\\NetworkCards")).map((registryKey) => ({
    index: registryKey.name,
    description: readString(registryKey, "Description") ?? null,
    serviceName: readString(registryKey, "ServiceName") ?? null,
  }));
}

/** Adapters; a corrupt class key is left out and reported through `onError` (like services). */
export function readAdapters(
  ccs: RegistryKey,
  onError?: (classKey: string, err: P2vfixError) => void,
): { adapters: Adapter[]; orphanInterfaces: Tcpip[]; persistentRoutes: PersistentRoute[]; nsiTcpModulePresent: boolean } {
  const nsi = readNsi(ccs);
  const roots: AdapterRoots = {
    ...tcpipRoots(ccs),
    connections: ccs.key(`Control\\Network\\${NET_CLASS}`),
    setup2Interfaces: ccs.key("Control\\NetworkSetup2\\Interfaces"),
  };
  const adapters: Adapter[] = [];
  for (const registryKey of subkeysOf(ccs.key(`Control\\Class\\${NET_CLASS}`)).filter((candidate) => /^\d{4}$/.test(candidate.name))) {
    try {
      adapters.push(readAdapter(roots, registryKey, nsi));
    } catch (err) {
      if (!(err instanceof P2vfixError) || !onError) throw err;
      onError(registryKey.name, err);
    }
  }
  linkTeams(adapters);
  const known = new Set(adapters.map((adapter) => adapter.netCfgInstanceId?.toLowerCase()).filter((guid) => guid !== undefined));
  const orphanInterfaces: Tcpip[] = [];
  for (const iface of subkeysOf(roots.tcpipInterfaces)) {
    if (known.has(iface.name.toLowerCase())) continue;
    const tcpip = readTcpip(roots, iface.name, nsi, null);
    if (tcpip && tcpip.hasStaticAddress) orphanInterfaces.push(tcpip);
  }
  return { adapters, orphanInterfaces, persistentRoutes: readPersistentRoutes(ccs), nsiTcpModulePresent: nsi.tcpModulePresent };
}

export function readNetworkCardsOrNull(software: RegistryKey | undefined): NetworkCard[] | null {
  return software ? readNetworkCards(software) : null;
}

export type { Network };
