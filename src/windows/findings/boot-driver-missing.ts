/** No boot storage path of the target hypervisor will load: STOP 0x7B at first boot. */
import type { FindingRule } from "./types.js";
import { systemEvidence, shown } from "./types.js";

export const bootDriverMissing: FindingRule = (model, { target }) => {
  if (!target) return [];
  const targetBoot = model.bootStorage.targets.find((candidate) => candidate.target === target);
  if (!targetBoot || targetBoot.willLoad) return [];
  const evidence = targetBoot.paths.flatMap((path) =>
    path.drivers.map((driver) => systemEvidence(model, `Services\\${driver.service}`, "Start", driver.state === "missing" ? "(not installed)" : shown(driver.start))),
  );
  return [
    {
      id: `boot-driver-missing:${target}`,
      severity: "problem",
      title: `No boot storage driver for ${targetBoot.name} will load (STOP 0x7B)`,
      detail: `${targetBoot.paths.map((path) => `${path.description}: ${path.reasons.join("; ")}`).join(". ")}.${targetBoot.advice ? ` ${targetBoot.advice}` : ""}`,
      evidence,
      fixup: "boot-storage",
    },
  ];
};

/**
 * The image boots on the target, but not from every controller it offers (KVM without virtio
 * drivers: IDE or SATA only): say which one the VM must use, before someone picks virtio.
 */
export const bootController: FindingRule = (model, { target }) => {
  if (!target) return [];
  const targetBoot = model.bootStorage.targets.find((candidate) => candidate.target === target);
  if (!targetBoot || !targetBoot.willLoad || targetBoot.advice === null) return [];
  // Only when a controller lacks its driver: a path merely demoted by StartOverride is normal on 8+.
  const missing = targetBoot.paths.filter((path) => path.drivers.some((driver) => driver.state === "missing"));
  if (missing.length === 0) return [];
  return [
    {
      id: `boot-controller:${target}`,
      severity: "warning",
      title: `The ${targetBoot.name} VM must boot from a controller this image has a driver for`,
      detail: targetBoot.advice,
      evidence: missing.flatMap((bootPath) => bootPath.drivers.filter((driver) => driver.state === "missing").map((driver) => systemEvidence(model, `Services\\${driver.service}`, "Start", "(not installed)"))),
      fixup: "boot-storage",
    },
  ];
};
