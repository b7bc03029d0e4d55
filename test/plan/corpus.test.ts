/**
 * The same plan → apply → inspect on copies of the real corpus SYSTEM hives (XP, 7, 10): only
 * planned keys change, the written hive passes the structural check and hivex and libregf read
 * it, a second apply writes nothing. The dirty Windows 8 hive without its logs is refused
 * (typed error, nothing written).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPlan } from "../../src/plan/load.js";
import { expandPlan } from "../../src/plan/expand.js";
import { checkHive } from "../../src/regf/check/check-hive.js";
import { openHive } from "../../src/regf/open.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { corpusFile, hasCorpus } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { changedKeys, cli, explainedBy, sha } from "./helpers.js";

const FIXED = ["stale-static-ip", "ncsi-active-probing", "storage-filter-broken", "crash-auto-reboot", "fast-startup", "vendor-agent", "vendor-driver", "hypervisor-tools"];
const hives = ["hives/dfwinreg/SYSTEM", "hives/regipy/SYSTEM.xz", "hives/dissect.regf/SYSTEM.gz"];
const work = mkdtempSync(join(tmpdir(), "p2vfix-plan-corpus-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const interop = toolsAvailable("hivexregedit", "regfexport");

function findings(path: string): string[] {
  const loaded = loadWindows(path);
  return inspectWindows(loaded.hives, { ...loaded.options, target: "hyperv" }).findings.map((f) => f.id);
}

describe.skipIf(!hasCorpus())("plan → apply on copies of the corpus SYSTEM hives", () => {
  for (const rel of hives) {
    it(rel, async () => {
      const dir = join(work, rel.replace(/[/.]/g, "_"));
      mkdirSync(dir, { recursive: true });
      const hive = join(dir, "SYSTEM");
      copyFileSync(await corpusFile(rel), hive);
      const before = new Uint8Array(readFileSync(hive));
      const original = sha(hive);
      const found = findings(hive);
      const planPath = join(dir, "plan.yaml");
      const plan = await cli("plan", hive, "--target", "hyperv", "-o", planPath);
      expect(plan.code, plan.stderr).toBe(0);
      const loaded = loadPlan(planPath);
      expect(loaded.firstBoot).toBeNull();
      expect(loaded.notices.join(" ")).toMatch(/No SOFTWARE hive/);

      expect((await cli("apply", hive, planPath, "--dry-run")).code).toBe(0);
      expect(sha(hive)).toBe(original);
      const applied = await cli("apply", hive, planPath);
      expect(applied.code, applied.stderr).toBe(0);
      const after = new Uint8Array(readFileSync(hive));
      expect(checkHive(after).ok).toBe(true);
      const expanded = expandPlan(loaded, { system: openHive(before).root() });
      const changed = changedKeys(before, after);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.filter((k) => !explainedBy(expanded.registry, "SYSTEM")(k))).toEqual([]);
      expect(sha(`${hive}.bak`)).toBe(original);

      const now = findings(hive);
      for (const f of found) if (FIXED.includes(f)) expect(now).not.toContain(f);
      const bootNotice = loaded.fixups.find((f) => f.id === "boot-storage")?.notices.join(" ") ?? "";
      if (!/can be enabled offline/.test(bootNotice)) expect(now).not.toContain("boot-driver-missing:hyperv");

      const written = sha(hive);
      const again = await cli("apply", hive, planPath);
      expect(again.stdout).toContain("nothing written");
      expect(sha(hive)).toBe(written);

      if (interop) {
        expect(runTool("hivexregedit", ["--export", hive, "\\"]).status).toBe(0);
        // libregf's full export of a 12 MB hive takes seconds: the XP hive stands for all three.
        if (rel.includes("dfwinreg")) expect(runTool("regfexport", [hive]).status).toBe(0);
      }
    }, 90_000);
  }

  it("the dirty Windows 8 hive without its logs is refused, nothing written", async () => {
    const dir = join(work, "dirty");
    mkdirSync(dir, { recursive: true });
    const hive = join(dir, "SYSTEM");
    copyFileSync(await corpusFile("hives/regipy/SYSTEM_2.xz"), hive);
    const original = sha(hive);
    const planPath = join(dir, "plan.yaml");
    expect((await cli("plan", hive, "--target", "hyperv", "-o", planPath)).code).toBe(0);
    const r = await cli("apply", hive, planPath);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unrecoverable-dirty-hive/);
    expect(sha(hive)).toBe(original);
  });
});
