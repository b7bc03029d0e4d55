/**
 * Pending reboot state: Session Manager's PendingFileRenameOperations (pairs of source and
 * destination, an empty destination meaning delete), Component Based Servicing's
 * RebootPending key and Windows Update's RebootRequired key (both in SOFTWARE).
 */
import type { RegistryKey } from "./registry.js";
import type { Pending } from "./schema.js";

export function readPending(ccs: RegistryKey, software: RegistryKey | undefined): Pending {
  const sm = ccs.key("Control\\Session Manager");
  // Empty items matter here (an empty target = delete), so read the raw lists.
  const raw = [sm?.value("PendingFileRenameOperations"), sm?.value("PendingFileRenameOperations2")].flatMap((registryValue) =>
    registryValue && registryValue.type === 7 ? registryValue.multiString() : [],
  );
  const fileRenames: Pending["fileRenames"] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i] === "") {
      i--; // a stray empty item: resynchronise on the next source
      continue;
    }
    fileRenames.push({ from: raw[i], to: raw[i + 1] });
  }
  return {
    fileRenames,
    cbsRebootPending: software ? software.key("Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending") !== undefined : null,
    wuRebootRequired: software ? software.key("Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired") !== undefined : null,
  };
}
