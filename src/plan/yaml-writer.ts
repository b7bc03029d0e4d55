/**
 * The plan as YAML for people: a header saying how to edit it, each fixup headed by a comment
 * naming the findings it fixes, scripts as literal blocks. `loadPlan` reads it back.
 */
import { Document, isMap, isSeq, Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import type { PlanFile } from "./schema.js";

const HEADER = [
  " p2vfix plan: what `p2vfix apply TARGET PLAN` writes. Edit it freely:",
  "  - set a fixup's `enabled: false` to leave it out, or delete single entries;",
  "  - registry entries: set / delete-value / create-key / delete-key, key paths start with the hive;",
  "  - services: `start` is written to Services\\<name>\\Start in each control set listed;",
  "    `originalStart` is what the image had; reEnable: true = restored by the first-boot runner;",
  "  - firstBoot.steps run in order inside the VM at its first boot (add your own: shell powershell",
  "    or cmd, a script, timeoutSeconds, retries).",
  " Schema: docs/plan-schema.json. `p2vfix apply --dry-run` shows the diff without writing.",
];

function block(node: unknown): void {
  if (isMap(node)) for (const pair of (node as YAMLMap).items) {
    const value = pair.value;
    if (value instanceof Scalar && typeof value.value === "string" && value.value.includes("\n")) value.type = Scalar.BLOCK_LITERAL;
    else block(value);
  }
  else if (isSeq(node)) for (const item of (node as YAMLSeq).items) block(item);
}

export function planToYaml(plan: PlanFile): string {
  const doc = new Document(plan);
  doc.commentBefore = HEADER.join("\n");
  const root = doc.contents as YAMLMap;
  const fixups = root.get("fixups", true) as YAMLSeq | undefined;
  if (fixups) {
    fixups.items.forEach((item, i) => {
      const fixup = plan.fixups[i];
      const lines = [` ${fixup.id}: ${fixup.title ?? ""}`];
      if (fixup.findings.length) lines.push(` fixes: ${fixup.findings.join(", ")}`);
      (item as YAMLMap).commentBefore = lines.join("\n");
    });
  }
  const firstBoot = root.get("firstBoot", true);
  if (isMap(firstBoot)) {
    (firstBoot as YAMLMap).commentBefore =
      " Steps the first-boot runner executes inside the VM (PowerShell 2.0+), in this order, each bounded by\n timeoutSeconds and retries; results: `p2vfix report TARGET` after the first boot.";
  }
  const nics = root.get("nics", true);
  if (isSeq(nics) && (nics as YAMLSeq).items.length > 0) {
    (nics as YAMLSeq).commentBefore =
      " Old adapters with a static configuration and the new NIC (MAC) that takes each one. Change a `mac` to\n send that configuration to another NIC; `step: null` = no new NIC (recorded in the image, `p2vfix report` lists it).";
  }
  const vm = root.get("vm", true);
  if (isMap(vm)) (vm as YAMLMap).commentBefore = " The VM definition whose NIC apply unplugs (kept as FILE.bak; `p2vfix undo` plugs it back).";
  block(root);
  return doc.toString({ lineWidth: 0, blockQuote: "literal" });
}
