/**
 * Plan loader fuzzer: mutated plans (a real `p2vfix plan` output shape, anchors and aliases
 * included) through loadPlan. Oracles: only PlanError / NotFoundError escape (an alias bomb or
 * a huge file is a typed error, exit 3, never "internal error"); an accepted plan serialises to
 * YAML that loads back to the same plan (round trip).
 *
 *   tsx scripts/fuzz-plan.ts [--runs N | --seconds S] [--seed S]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { NotFoundError, PlanError } from "../src/errors.js";
import { loadPlan, parsePlan } from "../src/plan/load.js";
import { fuzzMain, isMainModule, OracleFailure, type FuzzTarget } from "./fuzz-common.js";

const PLAN = `# p2vfix plan
version: 1
source: disk.img
target: kvm
profile: p2v-default
fixups:
  - id: storage-boot-drivers
    findings: [no-virtio-storage]
    registry:
      - set: &key SYSTEM\\ControlSet001\\Services\\viostor
        name: Start
        type: REG_DWORD
        data: 0
      - set: *key
        name: Group
        type: REG_SZ
        data: SCSI miniport
    services:
      - service: vioscsi
        start: 0
        originalStart: 3
        controlSets: [ControlSet001]
notices: [a, b]
`;

function seeds(): Uint8Array[] {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 8; i++) bomb.push(`${"abcdefgh"[i]}: &${"abcdefgh"[i]} [${Array(9).fill(`*${"abcdefgh"[i - 1]}`).join(", ")}]`);
  return [new TextEncoder().encode(PLAN), new TextEncoder().encode(bomb.join("\n"))];
}

export function planTarget(): FuzzTarget {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-fuzz-plan-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "plan.yaml");
  return {
    name: "plan",
    seeds: seeds(),
    run(input) {
      writeFileSync(path, input);
      const plan = loadPlan(path);
      const again = parsePlan(stringify(plan), "round trip");
      if (JSON.stringify(again) !== JSON.stringify(plan)) throw new OracleFailure("an accepted plan does not load back the same after YAML serialisation");
    },
    expected: (err) => err instanceof PlanError || err instanceof NotFoundError,
    perInputMs: 1000,
    heapLimitBytes: 512 * 1024 * 1024,
  };
}

if (isMainModule(import.meta.url)) void fuzzMain(planTarget, 5000);
