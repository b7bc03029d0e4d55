/**
 * The offline Windows model: every section read from the SYSTEM hive (control set resolved
 * first), SOFTWARE and BCD when given. Each section is read on its own; a section that cannot
 * be read (missing hive, corrupt cells) is listed under `unknown` with the reason and given
 * its empty form, so one bad key never hides the rest.
 */
import { P2vfixError } from "../errors.js";
import { readBcd } from "./bcd.js";
import { readBootStorage, type DriverFileCheck } from "./boot-storage.js";
import { readControlSets } from "./control-sets.js";
import { readFirstBootResults } from "./firstboot-results.js";
import { readInstallation } from "./installation.js";
import { readNcsi, readProfiles, readTcpGlobal } from "./ncsi.js";
import { readAdapters, readNetworkCardsOrNull } from "./network-adapters.js";
import { readPending } from "./pending.js";
import { readCrashControl, readPageFile, readPower, type HiberfileProbe } from "./power.js";
import type { WindowsHives } from "./registry.js";
import { RememberedKey } from "./remembered-key.js";
import type { InspectReport, Unknown } from "./schema.js";
import { readServices } from "./services.js";

export type WindowsModel = Omit<InspectReport, "schemaVersion" | "target" | "findings">;

export interface ModelOptions {
  /** Checks a driver's image file on the volume (mounted root or image filesystem). */
  driverFileExists?: DriverFileCheck;
  /** Reads the head of hiberfil.sys (null when absent). */
  hiberfile?: HiberfileProbe;
  /** Description of the filesystem the hives came from, for the report. */
  filesystem?: string;
}

export function buildModel(hives: WindowsHives, options: ModelOptions = {}): WindowsModel {
  const unknown: Unknown[] = [...(hives.problems ?? [])];
  // Lookups remembered for this build only: the sections look up the same keys many times.
  const system = new RememberedKey(hives.system);
  const software = hives.software && new RememberedKey(hives.software);
  const bcd = hives.bcd;
  // Without a control set nothing else makes sense: let that error through.
  const controlSets = readControlSets(system);
  const ccs = system.subkey(controlSets.resolved)!;

  function section<T>(name: string, fallback: T, read: () => T): T {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      unknown.push({ section: name, reason: err.describe() });
      return fallback;
    }
  }
  if (!software && !unknown.some((gap) => gap.section === "software")) unknown.push({ section: "software", reason: "no SOFTWARE hive given: version, network cards, profiles, policies and first-boot results are unknown" });

  const services = section("services", [], () =>
    readServices(ccs, (name, err) => unknown.push({ section: `services.${name}`, reason: err.describe() })),
  );
  const adapterPart = section("network.adapters", { adapters: [], orphanInterfaces: [], persistentRoutes: [], nsiTcpModulePresent: false }, () =>
    readAdapters(ccs, (classKey, err) => unknown.push({ section: `network.adapters.${classKey}`, reason: err.describe() })),
  );
  const installation = section("installation", blankInstallation(), () => readInstallation(ccs, software));
  return {
    sources: { system: hives.sources.system, software: hives.sources.software ?? null, bcd: hives.sources.bcd ?? null, filesystem: options.filesystem ?? null, warnings: hives.warnings ?? [] },
    unknown,
    installation,
    controlSets,
    services: { count: services.length, items: services },
    network: {
      adapters: adapterPart.adapters,
      orphanInterfaces: adapterPart.orphanInterfaces,
      persistentRoutes: adapterPart.persistentRoutes,
      networkCards: section("network.networkCards", null, () => readNetworkCardsOrNull(software)),
      ncsi: section("network.ncsi", readNcsiFallback(), () => readNcsi(ccs, software)),
      profiles: section("network.profiles", null, () => readProfiles(software)),
      tcpGlobal: section("network.tcpGlobal", readTcpGlobalFallback(), () => readTcpGlobal(ccs, adapterPart.nsiTcpModulePresent)),
    },
    bootStorage: section("bootStorage", { database: "CriticalDeviceDatabase", targets: [], filters: [] }, () =>
      readBootStorage(system, ccs, services, options.driverFileExists, installation.build),
    ),
    power: section("power", readPowerFallback(), () => readPower(ccs, options.hiberfile)),
    pageFile: section("pageFile", { pagingFiles: [], existingPageFiles: [], clearAtShutdown: null }, () => readPageFile(ccs)),
    crashControl: section(
      "crashControl",
      { crashDumpEnabled: null, autoReboot: null, dumpFile: null, minidumpDir: null, overwrite: null, logEvent: null },
      () => readCrashControl(ccs),
    ),
    pending: section("pending", { fileRenames: [], cbsRebootPending: null, wuRebootRequired: null }, () => readPending(ccs, software)),
    firstBootResults: section("firstBootResults", null, () => readFirstBootResults(software)),
    bcd: section("bcd", null, () => readBcd(bcd)),
  };
}

function blankInstallation(): WindowsModel["installation"] {
  return {
      productName: null, editionId: null, ntVersion: null, build: null, ubr: null, csdVersion: null, installationType: null,
      displayVersion: null, family: null, productType: null, role: "unknown", architecture: null, computerName: null,
      hostname: null, pendingHostname: null, dnsSuffix: null, domainHints: [], timeZone: null, realTimeIsUniversal: false, systemRoot: null,
  };
}

function readNcsiFallback(): WindowsModel["network"]["ncsi"] {
  return {
    enableActiveProbing: null, policyNoActiveProbe: null, activeProbing: false, webProbeHost: null, webProbePath: null,
    webProbeContent: null, dnsProbeHost: null, dnsProbeContent: null, probesInternet: false, alwaysExpectDomainController: null, nlaSvcStart: null,
  };
}

function readTcpGlobalFallback(): WindowsModel["network"]["tcpGlobal"] {
  return { disableTaskOffload: null, enableTcpChimney: null, enableRss: null, enableTcpa: null, ipv6DisabledComponents: null, nsiTcpModulePresent: false };
}

function readPowerFallback(): WindowsModel["power"] {
  return { hiberbootEnabled: null, hibernateEnabled: null, fastStartup: false, hiberfile: { checked: false, present: null, signature: null, hibernated: null } };
}
