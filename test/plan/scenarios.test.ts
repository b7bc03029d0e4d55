/**
 * Issue 7 "Checked by", on every scenario fixture (hives built from the committed .reg files by
 * p2vfix's writer): plan → apply → inspect shows the network and boot findings fixed; a whole-
 * hive diff against the original lists only the planned keys; --dry-run and a second apply
 * leave the files' SHA-256 unchanged; the original kept as HIVE.bak is byte-identical; the
 * written hives pass the structural check and hivex and libregf read them.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../scripts/fixtures/build-scenarios.js";
import { loadPlan } from "../../src/plan/load.js";
import { expandPlan } from "../../src/plan/expand.js";
import { checkHive } from "../../src/regf/check/check-hive.js";
import { openHive } from "../../src/regf/open.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { changedKeys, cli, explainedBy, sha } from "./helpers.js";

/** Findings that must be gone after apply, and those that stay (by design: done inside the VM or by hand). */
const FIXED = ["stale-static-ip", "ncsi-active-probing", "storage-filter-broken", "crash-auto-reboot", "fast-startup", "vendor-agent", "vendor-driver", "hypervisor-tools"];
const scenarios = [
  { name: "hp-proliant-2012r2", target: "hyperv", remaining: ["nic-teaming"], steps: ["remove-ghost-devices", "move-static-ip"] },
  { name: "win10-hyperv-guest", target: "hyperv", remaining: ["pending-reboot"], steps: ["remove-ghost-devices"] },
  { name: "server2019-vmware", target: "kvm", remaining: ["boot-controller:kvm", "nic-driver-missing:kvm"], steps: ["remove-ghost-devices", "move-static-ip"] },
  { name: "server2008r2-two-nics", target: "kvm", remaining: ["boot-controller:kvm", "nic-driver-missing:kvm"], steps: ["remove-ghost-devices", "move-static-ip"] },
  { name: "server2003-dc", target: "xen", remaining: ["backup-av-agent", "boot-controller:xen", "domain-controller"], steps: [] },
];

const work = mkdtempSync(join(tmpdir(), "p2vfix-plan-scenarios-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ids(dir: string, target: string): string[] {
  const loaded = loadWindows(dir);
  return inspectWindows(loaded.hives, { ...loaded.options, target }).findings.map((f) => f.id).sort();
}

describe("plan → apply → inspect on the scenario fixtures", () => {
  for (const s of scenarios) {
    it(`${s.name} → ${s.target}`, async () => {
      const dir = buildScenario(s.name, join(work, "built"));
      const before = { SYSTEM: new Uint8Array(readFileSync(join(dir, "SYSTEM"))), SOFTWARE: new Uint8Array(readFileSync(join(dir, "SOFTWARE"))) };
      const shaBefore = { SYSTEM: sha(join(dir, "SYSTEM")), SOFTWARE: sha(join(dir, "SOFTWARE")) };
      const planPath = join(work, `${s.name}.yaml`);
      const plan = await cli("plan", dir, "--target", s.target, "--mac", "00-15-5D-01-0A-02", "-o", planPath);
      expect(plan.code, plan.stderr).toBe(0);
      const loaded = loadPlan(planPath);
      expect(loaded.firstBoot?.steps.map((x) => x.id) ?? []).toEqual(s.steps);
      const findingsBefore = ids(dir, s.target);

      const dry = await cli("apply", dir, planPath, "--dry-run");
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/dry run: \d+ registry values? (\(and \d+ keys? created or deleted\) )?would be written/);
      expect(sha(join(dir, "SYSTEM"))).toBe(shaBefore.SYSTEM);
      expect(sha(join(dir, "SOFTWARE"))).toBe(shaBefore.SOFTWARE);

      const applied = await cli("apply", dir, planPath);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/written: \d+ registry values?/);

      // The network and boot findings are fixed; what remains is what only the VM or a person can do.
      const after = ids(dir, s.target);
      for (const f of findingsBefore) if (FIXED.includes(f) || f.startsWith("boot-driver-missing")) expect(after).not.toContain(f);
      expect(after).toEqual(s.remaining);

      // Whole-hive diff: only keys the expanded plan names changed.
      const expanded = expandPlan(loaded, { system: openHive(before.SYSTEM).root(), software: openHive(before.SOFTWARE).root() });
      for (const hive of ["SYSTEM", "SOFTWARE"] as const) {
        const now = new Uint8Array(readFileSync(join(dir, hive)));
        const changed = changedKeys(before[hive], now);
        const planned = explainedBy(expanded.registry, hive);
        expect(changed.filter((k) => !planned(k)), `${hive}: changed keys no change names`).toEqual([]);
        expect(checkHive(now).ok).toBe(true);
        // The original is kept byte for byte: restoring it is the undo for hive files.
        if (changed.length > 0) expect(sha(join(dir, `${hive}.bak`))).toBe(shaBefore[hive]);
        else expect(sha(join(dir, hive))).toBe(shaBefore[hive]);
      }
      if (s.name === "hp-proliant-2012r2") {
        expect(changedKeys(before.SYSTEM, new Uint8Array(readFileSync(join(dir, "SYSTEM"))))).toContain("CONTROLSET001\\SERVICES\\TCPIP\\PARAMETERS\\INTERFACES\\{9E1D2C3B-4A59-4687-B7C8-D9E0F1A2B3C4}");
      }

      // Applying the same plan again changes nothing.
      const shaAfter = { SYSTEM: sha(join(dir, "SYSTEM")), SOFTWARE: sha(join(dir, "SOFTWARE")) };
      const again = await cli("apply", dir, planPath);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain("nothing written: the target already holds this plan");
      expect(sha(join(dir, "SYSTEM"))).toBe(shaAfter.SYSTEM);
      expect(sha(join(dir, "SOFTWARE"))).toBe(shaAfter.SOFTWARE);

      // Undo for hive files: the kept originals go back in place and give the original bytes.
      const restored = join(work, `${s.name}-restored`);
      copyFileSync(join(dir, "SYSTEM.bak"), `${restored}-SYSTEM`);
      expect(sha(`${restored}-SYSTEM`)).toBe(shaBefore.SYSTEM);
    });
  }
});

describe.skipIf(!toolsAvailable("hivexregedit", "regfexport"))("written hives are read by hivex and libregf", () => {
  it("hp-proliant-2012r2 after apply: hivexregedit --export and regfexport read every key p2vfix wrote", async () => {
    const dir = buildScenario("hp-proliant-2012r2", join(work, "interop"));
    const planPath = join(work, "interop.yaml");
    expect((await cli("plan", dir, "--target", "hyperv", "-o", planPath)).code).toBe(0);
    expect((await cli("apply", dir, planPath)).code).toBe(0);
    for (const hive of ["SYSTEM", "SOFTWARE"]) {
      const hx = runTool("hivexregedit", ["--export", join(dir, hive), "\\"], { encoding: "utf8" });
      expect(hx.status, hx.stderr).toBe(0);
      const rf = runTool("regfexport", [join(dir, hive)], { encoding: "utf8" });
      expect(rf.status, rf.stderr).toBe(0);
      if (hive === "SYSTEM") {
        expect(hx.stdout).toMatch(/\[\\ControlSet001\\Services\\p2vfixFirstBoot\]/);
        expect(hx.stdout).toContain('"EnableActiveProbing"=dword:00000000');
        expect(rf.stdout).toMatch(/p2vfixFirstBoot/);
      } else {
        expect(hx.stdout).toMatch(/\[\\p2vfix\\FirstBoot\\Steps\\002\]/);
        expect(rf.stdout).toMatch(/Steps/);
      }
    }
    expect(existsSync(join(dir, "SYSTEM.bak"))).toBe(true);
  });
});
