/** No boot storage path of the target hypervisor will load: STOP 0x7B at first boot. */
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const bootDriverMissing: FindingRule = (model, { target }) => {
  if (!target) return [];
  const t = model.bootStorage.targets.find((x) => x.target === target);
  if (!t || t.willLoad) return [];
  const evidence = t.paths.flatMap((p) =>
    p.drivers.map((d) => systemEvidence(model, `Services\\${d.service}`, "Start", d.state === "missing" ? "(not installed)" : shown(d.start))),
  );
  return [
    {
      id: `boot-driver-missing:${target}`,
      severity: "problem",
      title: `No boot storage driver for ${t.name} will load (STOP 0x7B)`,
      detail: t.paths.map((p) => `${p.description}: ${p.reasons.join("; ")}`).join(". "),
      evidence,
      fixup: "boot-storage",
    },
  ];
};
