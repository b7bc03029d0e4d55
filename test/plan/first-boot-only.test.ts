/**
 * Issue 12 item 4 on the scenario fixtures: every change made for the first boot only (crash
 * AutoReboot, NCSI, CRL / chain-engine timeouts, SAN policy) is flagged in the plan, recorded
 * with its original value in the runner's restore list, and nothing else is; a plan entry set
 * to restoreAfterFirstBoot: false is kept. A failover cluster node (ClusSvc enabled, the
 * server2019-cluster-node fixture) gets no SAN policy change; its twin without the cluster does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../scripts/fixtures/build-scenarios.js";
import type { RegData, RegistryChange } from "../../src/changes/change.js";
import { RESTORE_KEY } from "../../src/firstboot/layout.js";
import { FIXUPS } from "../../src/fixups/index.js";
import { FixupOptionsSchema } from "../../src/fixups/options.js";
import { buildPlan } from "../../src/plan/build.js";
import { expandPlan } from "../../src/plan/expand.js";
import { loadWindows } from "../../src/windows/load.js";

/** The fixups whose changes are for the first boot only (issue 12 item 4). A new one goes here too. */
const FIRST_BOOT_ONLY = ["crash-control", "ncsi", "crl-check", "san-policy"];

const work = mkdtempSync(join(tmpdir(), "p2vfix-first-boot-only-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function planFor(name: string, target: "kvm" | "hyperv", extra: Record<string, unknown> = {}) {
  const dir = buildScenario(name, join(work, "built"));
  const loaded = loadWindows(dir);
  try {
    const options = FixupOptionsSchema.parse({ target, crl: { disableRevocationCheck: true }, ...extra });
    const built = buildPlan({ hives: loaded.hives, options, source: dir, profile: "test" });
    const hives = { system: loaded.hives.system, ...(loaded.hives.software ? { software: loaded.hives.software } : {}) };
    return { plan: built.plan, expanded: expandPlan(built.plan, hives), hives };
  } finally {
    loaded.close();
  }
}

type SetValue = Extract<RegistryChange, { kind: "set-value" }>;
const sets = (changes: RegistryChange[]): SetValue[] => changes.filter((c): c is SetValue => c.kind === "set-value");

/** The restore list as installed: entry → its values. */
function restoreList(changes: RegistryChange[]): Map<string, Record<string, RegData>> {
  const out = new Map<string, Record<string, RegData>>();
  for (const c of sets(changes)) {
    if (!c.key.startsWith(`${RESTORE_KEY}\\`)) continue;
    const entry = out.get(c.key) ?? {};
    entry[c.name] = c.data;
    out.set(c.key, entry);
  }
  return out;
}

const text = (d: RegData | undefined): string => (d && "value" in d ? String(d.value) : "");
const id = (hive: string, key: string, name: string): string => `${hive}\\${key}\\${name}`.toLowerCase();

describe("first-boot-only changes are restored after the run", () => {
  it("the first-boot-only fixups declare it (a new one must be listed here and flagged)", () => {
    expect(FIXUPS.filter((f) => f.firstBootOnly).map((f) => f.id).sort()).toEqual([...FIRST_BOOT_ONLY].sort());
  });

  for (const [name, target] of [["hp-proliant-2012r2", "hyperv"], ["server2019-vmware", "kvm"]] as const) {
    it(`${name} → ${target}: every first-boot-only change, and only those, is in the restore list with its original`, () => {
      const { plan, expanded, hives } = planFor(name, target);
      const fromFixups = plan.fixups.filter((f) => FIRST_BOOT_ONLY.includes(f.id)).flatMap((f) => f.registry.filter((e) => e.set !== undefined).map((e) => ({ e, fixup: f.id })));
      expect(fromFixups.length).toBeGreaterThan(0);
      for (const { e } of fromFixups) expect(e.restoreAfterFirstBoot, `${e.set} ${e.name}`).toBe(true);
      const others = plan.fixups.filter((f) => !FIRST_BOOT_ONLY.includes(f.id)).flatMap((f) => f.registry);
      expect(others.filter((e) => e.restoreAfterFirstBoot)).toEqual([]);

      const list = restoreList(expanded.registry);
      const listed = new Map([...list.values()].map((v) => [id(text(v.Hive), text(v.Key), text(v.Name)), v]));
      const flagged = sets(expanded.registry).filter((c) => c.restoreAfterFirstBoot);
      expect(flagged.length).toBe(fromFixups.length);
      expect([...listed.keys()].sort()).toEqual(flagged.map((c) => id(c.hive, c.key, c.name)).sort());
      for (const c of flagged) {
        const entry = listed.get(id(c.hive, c.key, c.name))!;
        expect(entry.Written).toEqual(c.data);
        const root = c.hive === "SYSTEM" ? hives.system : hives.software;
        const original = root?.key(c.key)?.value(c.name);
        expect(text(entry.Existed) === "1", `${c.key}\\${c.name}`).toBe(original !== undefined);
        if (original?.dword() !== undefined) expect(entry.Data).toEqual({ type: "REG_DWORD", value: original.dword() });
      }
    });
  }

  it("the CryptoAPI chain-engine timeouts are set for the first boot only", () => {
    const { expanded } = planFor("server2019-vmware", "kvm");
    const names = sets(expanded.registry).filter((c) => c.fixup === "crl-check").map((c) => `${c.key}\\${c.name}`);
    expect(names).toContain("Microsoft\\Cryptography\\OID\\EncodingType 0\\CertDllCreateCertificateChainEngine\\Config\\ChainUrlRetrievalTimeoutMilliseconds");
    expect(names).toContain("Microsoft\\Cryptography\\OID\\EncodingType 0\\CertDllCreateCertificateChainEngine\\Config\\ChainRevAccumulativeUrlRetrievalTimeoutMilliseconds");
    expect(sets(expanded.registry).filter((c) => c.fixup === "crl-check").every((c) => c.restoreAfterFirstBoot)).toBe(true);
  });

  it("an entry the plan sets to restoreAfterFirstBoot: false is kept (not in the restore list)", () => {
    const { plan, hives } = planFor("server2019-vmware", "kvm");
    const crl = plan.fixups.find((f) => f.id === "crl-check")!;
    const kept = crl.registry.find((e) => e.name === "CertificateRevocation")!;
    kept.restoreAfterFirstBoot = false;
    const expanded = expandPlan(plan, hives);
    const names = [...restoreList(expanded.registry).values()].map((v) => text(v.Name));
    expect(names).not.toContain("CertificateRevocation");
    expect(names).toContain("ChainUrlRetrievalTimeoutMilliseconds");
  });
});

describe("SAN policy", () => {
  it("a failover cluster node (ClusSvc enabled) gets no SAN policy change, with the reason; its twin does", () => {
    const twin = planFor("server2019-vmware", "kvm");
    expect(sets(twin.expanded.registry).filter((c) => c.name === "SanPolicy").length).toBeGreaterThan(0);

    const cluster = planFor("server2019-cluster-node", "kvm");
    expect(cluster.plan.fixups.some((f) => f.id === "boot-storage" && f.registry.length + f.services.length > 0)).toBe(true);
    expect(sets(cluster.expanded.registry).filter((c) => c.name === "SanPolicy")).toEqual([]);
    const notice = cluster.plan.fixups.find((f) => f.id === "san-policy")?.notices.join(" ") ?? "";
    expect(notice).toMatch(/ClusSvc/);
    expect(notice).toMatch(/iSCSI/);
  });
});

describe("held services with start triggers", () => {
  it("the plan says that Start=3 does not hold a trigger-start service (W32Time with TriggerInfo)", () => {
    const { plan } = planFor("server2019-cluster-node", "kvm", { holdNetworkServices: true });
    const hold = plan.fixups.find((f) => f.id === "hold-services")!;
    expect(hold.services.map((s) => s.service)).toContain("W32Time");
    expect(hold.notices.join(" ")).toMatch(/W32Time has start triggers \(TriggerInfo\)/);
    const twin = planFor("server2019-vmware", "kvm", { holdNetworkServices: true });
    expect(twin.plan.fixups.find((f) => f.id === "hold-services")?.notices.join(" ") ?? "").not.toMatch(/TriggerInfo/);
  });
});
