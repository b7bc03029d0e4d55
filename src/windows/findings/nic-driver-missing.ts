/**
 * The target's NIC models whose driver the image lacks (data/boot-storage.yaml `nics`): the VM
 * must use a model the image has a driver for, or the first-boot steps find no adapter to
 * configure. virtio-net and vmxnet3 drivers are never in-box; netvsc is from 7/2008 R2.
 */
import type { FindingRule } from "./types.js";
import { systemEvidence } from "./types.js";

export const nicDriverMissing: FindingRule = (model, { target }) => {
  if (!target) return [];
  const targetBoot = model.bootStorage.targets.find((candidate) => candidate.target === target);
  if (!targetBoot || targetBoot.nics.length === 0) return [];
  const missing = targetBoot.nics.filter((nic) => nic.state === "missing");
  if (missing.length === 0) return [];
  const usable = targetBoot.nics.filter((nic) => nic.state !== "missing");
  const use = usable.length > 0 ? ` Give the VM ${usable.map((nic) => `${nic.model} (${nic.state === "installed" ? "installed" : nic.state === "in-box" ? "in-box" : "in-box, unverified"})`).join(" or ")}, or install the missing driver in the image before the first boot.` : " The image has no driver for any NIC model of this hypervisor: install one before the first boot, or the VM has no network.";
  return [
    {
      id: `nic-driver-missing:${target}`,
      severity: usable.length > 0 ? "warning" : "problem",
      title: `No driver in the image for the ${targetBoot.name} NIC model${missing.length > 1 ? "s" : ""} ${missing.map((nic) => nic.model).join(", ")}`,
      detail: `${missing.map((nic) => `${nic.model}: ${nic.evidence}`).join("; ")}.${use}`,
      evidence: missing.flatMap((nic) => nic.services.map((service) => systemEvidence(model, `Services\\${service}`, "Type", "(not installed)"))),
      fixup: "manual",
    },
  ];
};
