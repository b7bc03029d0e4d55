/** Services and drivers under CCS\Services (reference section 2). */
import { P2vfixError } from "../errors.js";
import type { RegistryKey } from "./registry.js";
import type { Service } from "./schema.js";
import { ValueNames } from "./value-names.js";
import { vendorTag } from "./vendor-tags.js";

const START_NAMES = ["boot", "system", "automatic", "manual", "disabled"];

export function startName(start: number | null, delayed = false): string {
  if (start === null) return "unset";
  const name = START_NAMES[start] ?? `unknown (${start})`;
  return start === 2 && delayed ? "automatic (delayed)" : name;
}

export function serviceKind(type: number | null): string {
  if (type === null) return "unknown";
  if (type & 0x40) return (type & 0x80) !== 0 ? "user-service-instance" : "user-service-template";
  if (type & 0x1) return "kernel-driver";
  if (type & 0x2) return "filesystem-driver";
  if (type & 0x8) return "recognizer-driver";
  if (type & 0x10) return "own-process";
  if (type & 0x20) return "share-process";
  if (type & 0x4) return "adapter";
  return `type-0x${type.toString(16)}`;
}

/**
 * A display name: plain text; "@file.inf,%key%;Fallback" gives the fallback text;
 * "@file.dll,-id" needs the DLL's string table, which is not readable from a hive, so the
 * service name stands in (as GetServiceDisplayName's offline equivalent would).
 */
export function resolveDisplayName(raw: string | undefined, serviceName: string): string {
  if (!raw) return serviceName;
  if (!raw.startsWith("@")) return raw;
  const semi = raw.indexOf(";");
  if (semi >= 0 && semi + 1 < raw.length) return raw.slice(semi + 1);
  return serviceName;
}

/** The values read of every service (hundreds per hive): looked up in one pass per key. */
const SERVICE_VALUES = new ValueNames([
  "Type",
  "Start",
  "DelayedAutostart",
  "DisplayName",
  "ImagePath",
  "ErrorControl",
  "Group",
  "ObjectName",
  "DependOnService",
  "DependOnGroup",
] as const);

export function readService(key: RegistryKey): Service {
  const values = SERVICE_VALUES.of(key);
  const type = values.readDword("Type") ?? null;
  const start = values.readDword("Start") ?? null;
  const delayed = (values.readDword("DelayedAutostart") ?? 0) !== 0;
  const rawName = values.readString("DisplayName");
  const overrides: Record<string, number> = {};
  for (const value of key.subkey("StartOverride")?.values() ?? []) {
    const dword = value.dword();
    if (dword !== undefined) overrides[value.name] = dword;
  }
  const imagePath = values.readString("ImagePath") ?? null;
  return {
    name: key.name,
    displayName: resolveDisplayName(rawName, key.name),
    displayNameRaw: rawName ?? null,
    type,
    kind: serviceKind(type),
    start,
    startName: startName(start, delayed),
    delayedAutostart: delayed,
    startOverride: overrides,
    errorControl: values.readDword("ErrorControl") ?? null,
    group: values.readString("Group") ?? null,
    imagePath,
    objectName: values.readString("ObjectName") ?? null,
    dependOnService: values.readMulti("DependOnService") ?? [],
    dependOnGroup: values.readMulti("DependOnGroup") ?? [],
    installed: type !== null || imagePath !== null,
    vendor: vendorTag(key.name),
  };
}

/**
 * Every service; one whose key is corrupt is left out and reported through `onError`, so one
 * bad cell costs one service, not the section.
 */
export function readServices(ccs: RegistryKey, onError?: (name: string, err: P2vfixError) => void): Service[] {
  const services = ccs.subkey("Services");
  if (!services) return [];
  const out: Service[] = [];
  for (const key of services.subkeys()) {
    try {
      out.push(readService(key));
    } catch (err) {
      if (!(err instanceof P2vfixError) || !onError) throw err;
      onError(key.name, err);
    }
  }
  return out;
}

/** The start type that applies: Start, unless a StartOverride value demotes it (Win8+). */
export function overriddenStart(service: Pick<Service, "start" | "startOverride">): number | null {
  const values = Object.values(service.startOverride);
  if (values.length === 0) return service.start;
  return Math.max(service.start ?? 0, ...values);
}
