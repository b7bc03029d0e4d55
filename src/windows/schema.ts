/**
 * The model's shape, as zod schemas: the single source of the TypeScript types, of
 * `p2vfix inspect --json` (versioned by INSPECT_SCHEMA_VERSION) and of docs/inspect-schema.json.
 * `null` means "not stored / not readable"; a section whose hive is missing is null and listed
 * under `unknown` with the reason.
 */
import { z } from "zod";
import { INSPECT_SCHEMA_VERSION } from "./schema-version.js";

export { INSPECT_SCHEMA_VERSION };

const str = z.string().nullable();
const num = z.number().nullable();

export const Evidence = z.object({
  key: z.string().describe("Key path from the hive root, prefixed with the hive name (SYSTEM\\..., SOFTWARE\\...)"),
  value: z.string().optional().describe("Value name (\"\" = default value)"),
  data: z.string().optional().describe("The value's data as text"),
});

export const Severity = z.enum(["problem", "warning", "info"]);

export const Finding = z.object({
  id: z.string().describe("Stable id, e.g. ncsi-active-probing or boot-driver-missing:hyperv"),
  severity: Severity,
  title: z.string(),
  detail: z.string(),
  evidence: z.array(Evidence),
  fixup: z.string().describe("Id of the fixup that addresses it (src/fixups), or \"manual\""),
});

export const ControlSets = z.object({
  current: num,
  default: num,
  lastKnownGood: num,
  failed: num,
  resolved: z.string().describe("ControlSet00N the next normal boot uses"),
  resolvedFrom: z.enum(["Default", "Current", "only-set"]),
  available: z.array(z.string()),
});

export const Installation = z.object({
  productName: str,
  editionId: str,
  ntVersion: str.describe("CurrentMajor.MinorVersionNumber when present, else CurrentVersion"),
  build: num,
  ubr: num,
  csdVersion: str,
  installationType: str,
  displayVersion: str,
  family: str.describe("e.g. \"Windows Server 2012 R2\", from build and product type"),
  productType: str,
  role: z.enum(["workstation", "server", "domain-controller", "unknown"]),
  architecture: str,
  computerName: str,
  hostname: str,
  pendingHostname: str.describe("NV Hostname when it differs from Hostname"),
  dnsSuffix: str,
  domainHints: z.array(z.string()),
  timeZone: str,
  realTimeIsUniversal: z.boolean(),
  systemRoot: str,
});

export const VendorTag = z.object({
  vendor: z.string(),
  category: z.string(),
  hardwareBound: z.boolean(),
  source: z.string(),
});

export const Service = z.object({
  name: z.string(),
  displayName: z.string(),
  displayNameRaw: str,
  type: num,
  kind: z.string(),
  start: num,
  startName: z.string(),
  delayedAutostart: z.boolean(),
  startOverride: z.record(z.string(), z.number()),
  errorControl: num,
  group: str,
  imagePath: str,
  objectName: str,
  dependOnService: z.array(z.string()),
  dependOnGroup: z.array(z.string()),
  installed: z.boolean().describe("The key has Type or ImagePath (not a leftover key)"),
  vendor: VendorTag.nullable(),
});

export const NsiAddress = z.object({
  luid: z.string(),
  address: z.string(),
  prefixLength: num.describe("On-link prefix length read from the value's data (null: not readable)"),
  valueName: z.string(),
  dataHex: z.string(),
});
export const NsiRoute = z.object({
  luid: z.string(),
  nextHop: z.string(),
  isDefault: z.boolean().describe("Destination 0.0.0.0/0 or ::/0 (all-zero destination block)"),
  valueName: z.string(),
});

export const Tcpip = z.object({
  interfaceKey: z.string(),
  dhcp: z.boolean().nullable(),
  addresses: z.array(z.object({ address: z.string(), mask: str })),
  gateways: z.array(z.object({ address: z.string(), metric: num })),
  dnsServers: z.array(z.string()),
  domain: str,
  registrationEnabled: num.describe("RegistrationEnabled: register this connection's addresses in DNS"),
  registerAdapterName: num.describe("RegisterAdapterName: also register under the connection-specific suffix"),
  ipv6DnsServers: z.array(z.string()).describe("Tcpip6\\Parameters\\Interfaces\\{GUID} NameServer"),
  dhcpLease: z.object({ address: str, mask: str, server: str, dnsServers: z.array(z.string()), domain: str }).nullable(),
  netbios: z.object({ options: num, wins: z.array(z.string()) }).nullable(),
  nsi: z.object({ ipv4: z.array(NsiAddress), ipv6: z.array(NsiAddress), routes: z.array(NsiRoute), routesV6: z.array(NsiRoute) }),
  hasStaticAddress: z.boolean(),
});

export const Adapter = z.object({
  classKey: z.string(),
  netCfgInstanceId: str,
  driverDesc: str,
  componentId: str,
  matchingDeviceId: str,
  deviceInstanceId: str,
  service: str,
  characteristics: num,
  flags: z.array(z.string()),
  physical: z.boolean(),
  providerName: str,
  driverVersion: str,
  netLuidIndex: num,
  ifType: num,
  luid: str.describe("NET_LUID as the 16 hex digits NSI value names use"),
  networkAddress: str.describe("Locally administered MAC override (class key NetworkAddress)"),
  permanentAddress: str.describe("Burned-in MAC from NetworkSetup2 (newer Windows 10/11 only)"),
  connectionName: str,
  pnpInstanceId: str,
  advanced: z.record(z.string(), z.string()),
  upperBind: z.array(z.string()).describe("Linkage\\UpperBind: protocols bound on the adapter"),
  team: z
    .object({ kind: z.string(), vendor: z.string(), members: z.array(z.string()).describe("classKey of the member adapters") })
    .nullable(),
  teamMemberOf: str.describe("classKey of the team adapter this one is a member of"),
  tcpip: Tcpip.nullable(),
});

export const NetworkCard = z.object({ index: z.string(), description: str, serviceName: str });

export const Ncsi = z.object({
  enableActiveProbing: num,
  policyNoActiveProbe: num,
  activeProbing: z.boolean(),
  webProbeHost: str,
  webProbePath: str,
  webProbeContent: str,
  dnsProbeHost: str,
  dnsProbeContent: str,
  probesInternet: z.boolean().describe("The probe host is Microsoft's public default"),
  alwaysExpectDomainController: num,
  nlaSvcStart: num,
});

export const NetworkProfile = z.object({
  guid: z.string(),
  name: str,
  description: str,
  category: num,
  categoryName: z.string(),
  managed: num,
  nameType: num,
  dateCreated: str,
  dateLastConnected: str,
});

export const TcpGlobal = z.object({
  disableTaskOffload: num,
  enableTcpChimney: num,
  enableRss: num,
  enableTcpa: num,
  ipv6DisabledComponents: num,
  nsiTcpModulePresent: z.boolean(),
});

export const Network = z.object({
  adapters: z.array(Adapter),
  orphanInterfaces: z.array(Tcpip).describe("Tcpip interface keys with no adapter class key"),
  persistentRoutes: z
    .array(z.object({ valueName: z.string(), destination: z.string(), mask: z.string(), gateway: z.string(), metric: num }))
    .describe("Tcpip\\Parameters\\PersistentRoutes (route -p): machine-wide, no interface"),
  networkCards: z.array(NetworkCard).nullable(),
  ncsi: Ncsi,
  profiles: z.array(NetworkProfile).nullable(),
  tcpGlobal: TcpGlobal,
});

export const DriverCheck = z.object({
  service: z.string(),
  state: z.enum(["boot-start", "demoted-by-override", "not-boot-start", "disabled", "missing"]),
  start: num,
  startOverride: z.record(z.string(), z.number()),
  imageFile: z.enum(["present", "absent", "not-checked"]),
});

export const HardwareIdCheck = z.object({
  hardwareId: z.string(),
  database: z.enum(["CriticalDeviceDatabase", "DriverDatabase"]),
  found: z.boolean(),
  binding: str.describe("CDD: the Service value; DriverDatabase: the INF name"),
});

export const BootPath = z.object({
  id: z.string(),
  description: z.string(),
  controller: z.string().describe("The VM storage controller this path boots from (ide, ahci, nvme, virtio-scsi, ...)"),
  advice: z.string().describe("What to set in the VM for this path"),
  drivers: z.array(DriverCheck),
  hardwareIds: z.array(HardwareIdCheck),
  ok: z.boolean(),
  reasons: z.array(z.string()),
});

export const NicDriver = z.object({
  model: z.string().describe("NIC model of the hypervisor (virtio-net, vmxnet3, e1000, netvsc...)"),
  state: z.enum(["installed", "in-box", "in-box-unverified", "missing"]).describe("installed: its driver service is in the image; in-box: Windows ships it for this build"),
  services: z.array(z.string()),
  evidence: z.string(),
});

export const BootTarget = z.object({
  target: z.string(),
  name: z.string(),
  paths: z.array(BootPath).describe("Boot paths that apply to this Windows build"),
  willLoad: z.boolean(),
  advice: z.string().nullable().describe("Which controller the VM must use, when the default one will not boot"),
  nics: z.array(NicDriver),
});

export const ClassFilter = z.object({
  classGuid: z.string(),
  className: z.string(),
  list: z.enum(["UpperFilters", "LowerFilters"]),
  services: z.array(z.string()),
  broken: z.array(z.object({ service: z.string(), reason: z.string() })),
});

export const BootStorage = z.object({
  database: z.enum(["CriticalDeviceDatabase", "DriverDatabase"]),
  targets: z.array(BootTarget),
  filters: z.array(ClassFilter),
});

export const Power = z.object({
  hiberbootEnabled: num,
  hibernateEnabled: num,
  fastStartup: z.boolean(),
  hiberfile: z.object({ checked: z.boolean(), present: z.boolean().nullable(), signature: str, hibernated: z.boolean().nullable() }),
});

export const PageFile = z.object({
  pagingFiles: z.array(z.object({ path: z.string(), initialMB: num, maxMB: num, raw: z.string() })),
  existingPageFiles: z.array(z.string()),
  clearAtShutdown: num,
});

export const CrashControl = z.object({
  crashDumpEnabled: num,
  autoReboot: num,
  dumpFile: str,
  minidumpDir: str,
  overwrite: num,
  logEvent: num,
});

export const Pending = z.object({
  fileRenames: z.array(z.object({ from: z.string(), to: z.string() })),
  cbsRebootPending: z.boolean().nullable(),
  wuRebootRequired: z.boolean().nullable(),
});

const ResultData = z.union([z.string(), z.number(), z.array(z.string())]);
export const FirstBootResults = z.object({
  values: z.record(z.string(), ResultData),
  steps: z.array(z.object({ name: z.string(), values: z.record(z.string(), ResultData) })),
});

export const Bcd = z.object({
  firmware: z.enum(["uefi", "bios", "unknown"]),
  defaultLoader: z.object({ guid: z.string(), description: str, path: str, systemRoot: str }).nullable(),
  resumeObject: str,
  timeout: num,
});

export const Unknown = z.object({ section: z.string(), reason: z.string() });

export const InspectReport = z.object({
  schemaVersion: z.literal(INSPECT_SCHEMA_VERSION),
  sources: z.object({
    system: z.string(),
    software: str,
    bcd: str,
    filesystem: str,
    warnings: z.array(z.string()).describe("Hive state: dirty, logs replayed or missing (the view may be stale)"),
  }),
  target: str.describe("Target hypervisor the findings were computed for"),
  unknown: z.array(Unknown),
  installation: Installation,
  controlSets: ControlSets,
  services: z.object({ count: z.number(), items: z.array(Service) }),
  network: Network,
  bootStorage: BootStorage,
  power: Power,
  pageFile: PageFile,
  crashControl: CrashControl,
  pending: Pending,
  firstBootResults: FirstBootResults.nullable(),
  bcd: Bcd.nullable(),
  findings: z.array(Finding),
});

export type Evidence = z.infer<typeof Evidence>;
export type Finding = z.infer<typeof Finding>;
export type Severity = z.infer<typeof Severity>;
export type ControlSets = z.infer<typeof ControlSets>;
export type Installation = z.infer<typeof Installation>;
export type VendorTag = z.infer<typeof VendorTag>;
export type Service = z.infer<typeof Service>;
export type Tcpip = z.infer<typeof Tcpip>;
export type NsiAddress = z.infer<typeof NsiAddress>;
export type NsiRoute = z.infer<typeof NsiRoute>;
export type Adapter = z.infer<typeof Adapter>;
export type NetworkCard = z.infer<typeof NetworkCard>;
export type Ncsi = z.infer<typeof Ncsi>;
export type NetworkProfile = z.infer<typeof NetworkProfile>;
export type TcpGlobal = z.infer<typeof TcpGlobal>;
export type Network = z.infer<typeof Network>;
export type DriverCheck = z.infer<typeof DriverCheck>;
export type HardwareIdCheck = z.infer<typeof HardwareIdCheck>;
export type BootPath = z.infer<typeof BootPath>;
export type BootTarget = z.infer<typeof BootTarget>;
export type NicDriver = z.infer<typeof NicDriver>;
export type ClassFilter = z.infer<typeof ClassFilter>;
export type BootStorage = z.infer<typeof BootStorage>;
export type Power = z.infer<typeof Power>;
export type PageFile = z.infer<typeof PageFile>;
export type CrashControl = z.infer<typeof CrashControl>;
export type Pending = z.infer<typeof Pending>;
export type FirstBootResults = z.infer<typeof FirstBootResults>;
export type Bcd = z.infer<typeof Bcd>;
export type Unknown = z.infer<typeof Unknown>;
export type InspectReport = z.infer<typeof InspectReport>;
