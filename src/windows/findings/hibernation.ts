/** A hibernated volume must not be written; Fast Startup leaves volumes in that state at shutdown. */
import type { Finding } from "../schema.js";
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const hibernated: FindingRule = (model) => {
  const hiberfile = model.power.hiberfile;
  if (!hiberfile.hibernated) return [];
  return [
    {
      id: "hibernated",
      severity: "problem",
      title: "Windows is hibernated",
      detail: "hiberfil.sys holds a resumable image: anything written now is lost or corrupts the volume at resume. Boot the source and shut it down fully (shutdown /s /f /t 0) before capture.",
      evidence: [{ key: "hiberfil.sys", data: hiberfile.signature ?? "" }],
      fixup: "hibernation",
    },
  ];
};

export const fastStartup: FindingRule = (model) => {
  const power = model.power;
  if (!power.fastStartup) return [];
  const finding: Finding = {
    id: "fast-startup",
    severity: "warning",
    title: "Fast Startup is on",
    detail: "A shutdown with Fast Startup hibernates the kernel session; the converted image may be captured in that state. Turn it off for the VM.",
    evidence: [
      systemEvidence(model, "Control\\Session Manager\\Power", "HiberbootEnabled", shown(power.hiberbootEnabled)),
      systemEvidence(model, "Control\\Power", "HibernateEnabled", shown(power.hibernateEnabled)),
    ],
    fixup: "hibernation",
  };
  return [finding];
};
