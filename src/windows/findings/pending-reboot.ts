/** Work Windows still has to do at the next boot (file renames, servicing, updates). */
import type { Evidence } from "../schema.js";
import type { FindingRule } from "./types.js";
import { softwareEvidence, systemEvidence } from "./types.js";

export const pendingReboot: FindingRule = (model) => {
  const pending = model.pending;
  const evidence: Evidence[] = [];
  const parts: string[] = [];
  if (pending.fileRenames.length > 0) {
    parts.push(`${pending.fileRenames.length} pending file rename(s)`);
    evidence.push(systemEvidence(model, "Control\\Session Manager", "PendingFileRenameOperations", pending.fileRenames.map((fileRename) => `${fileRename.from} -> ${fileRename.to || "(delete)"}`).join("; ")));
  }
  if (pending.cbsRebootPending) {
    parts.push("Component Based Servicing reboot pending");
    evidence.push(softwareEvidence("Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"));
  }
  if (pending.wuRebootRequired) {
    parts.push("Windows Update reboot required");
    evidence.push(softwareEvidence("Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired"));
  }
  if (parts.length === 0) return [];
  return [
    {
      id: "pending-reboot",
      severity: "warning",
      title: "A reboot was pending on the source",
      detail: `${parts.join(", ")}: the first boot will also finish this work and may restart once more.`,
      evidence,
      fixup: "manual",
    },
  ];
};
