/**
 * The BCD store (reference 12): default loader of {bootmgr}, its path and system root, the
 * resume object and timeout. Element subkeys are matched case-insensitively (Windows writes
 * lower-case hex).
 */
import { readString, type RegistryKey } from "./registry.js";
import type { Bcd } from "./schema.js";

export const BOOTMGR = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";

function element(objects: RegistryKey | undefined, guid: string, id: string): RegistryKey | undefined {
  return objects?.key(`${guid}\\Elements\\${id}`);
}

function integer(registryKey: RegistryKey | undefined): number | null {
  const data = registryKey?.value("Element")?.data();
  if (!data || data.length < 8) return null;
  const qword = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
  return qword <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(qword) : null;
}

export function readBcd(bcd: RegistryKey | undefined): Bcd | null {
  if (!bcd) return null;
  const objects = bcd.subkey("Objects");
  const defaultGuid = readString(element(objects, BOOTMGR, "23000003"), "Element") ?? null;
  let defaultLoader: Bcd["defaultLoader"] = null;
  let firmware: Bcd["firmware"] = "unknown";
  if (defaultGuid) {
    const path = readString(element(objects, defaultGuid, "12000002"), "Element") ?? null;
    defaultLoader = {
      guid: defaultGuid,
      description: readString(element(objects, defaultGuid, "12000004"), "Element") ?? null,
      path,
      systemRoot: readString(element(objects, defaultGuid, "22000002"), "Element") ?? null,
    };
    if (path) firmware = path.toLowerCase().endsWith(".efi") ? "uefi" : path.toLowerCase().endsWith(".exe") ? "bios" : "unknown";
  }
  return {
    firmware,
    defaultLoader,
    resumeObject: readString(element(objects, BOOTMGR, "23000006"), "Element") ?? null,
    timeout: integer(element(objects, BOOTMGR, "25000004")),
  };
}
