/**
 * Hibernation and Fast Startup (reference 11.5), page file (11.6), crash control (11.4).
 * The hiberfil.sys header is only checked when the volume's files are reachable.
 */
import { readDword, readMulti, readString, type RegistryKey } from "./registry.js";
import type { CrashControl, PageFile, Power } from "./schema.js";

/** First bytes of hiberfil.sys, or null when there is none; undefined when files are not reachable. */
export type HiberfileProbe = () => Uint8Array | null;

export function readPower(ccs: RegistryKey, hiberfile?: HiberfileProbe): Power {
  const hiberboot = readDword(ccs.key("Control\\Session Manager\\Power"), "HiberbootEnabled") ?? null;
  const hibernate = readDword(ccs.key("Control\\Power"), "HibernateEnabled") ?? null;
  let file: Power["hiberfile"] = { checked: false, present: null, signature: null, hibernated: null };
  if (hiberfile) {
    const head = hiberfile();
    if (head === null) file = { checked: true, present: false, signature: null, hibernated: false };
    else {
      const sig = new TextDecoder("latin1").decode(head.subarray(0, 4));
      // "hibr"/"HIBR" = a resumable image; a zeroed header = no resume pending (ntfs-3g volume.c).
      file = { checked: true, present: true, signature: /^[\x20-\x7e]{4}$/.test(sig) ? sig : null, hibernated: sig === "hibr" || sig === "HIBR" };
    }
  }
  return { hiberbootEnabled: hiberboot, hibernateEnabled: hibernate, fastStartup: hiberboot === 1 && hibernate !== 0, hiberfile: file };
}

export function readPageFile(ccs: RegistryKey): PageFile {
  const mm = ccs.key("Control\\Session Manager\\Memory Management");
  const pagingFiles = (readMulti(mm, "PagingFiles") ?? []).map((raw) => {
    const parts = raw.trim().split(/\s+/);
    const number = (text: string | undefined) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : null);
    return { path: parts[0] ?? raw, initialMB: number(parts[1]), maxMB: number(parts[2]), raw };
  });
  return {
    pagingFiles,
    existingPageFiles: readMulti(mm, "ExistingPageFiles") ?? [],
    clearAtShutdown: readDword(mm, "ClearPageFileAtShutdown") ?? null,
  };
}

export function readCrashControl(ccs: RegistryKey): CrashControl {
  const cc = ccs.key("Control\\CrashControl");
  return {
    crashDumpEnabled: readDword(cc, "CrashDumpEnabled") ?? null,
    autoReboot: readDword(cc, "AutoReboot") ?? null,
    dumpFile: readString(cc, "DumpFile") ?? null,
    minidumpDir: readString(cc, "MinidumpDir") ?? null,
    overwrite: readDword(cc, "Overwrite") ?? null,
    logEvent: readDword(cc, "LogEvent") ?? null,
  };
}
