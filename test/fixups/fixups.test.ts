/**
 * The fixups on their own: each finding's fixup exists, knowledge files load with sources,
 * options change what is planned (internal NCSI probe, held services with their original
 * Start, no-keep-ip), old Windows gets notices instead of steps, vendor programs are found in
 * the Uninstall keys, a target with no installable boot path says so.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scenariosDir } from "../../scripts/fixtures/build-scenarios.js";
import { FIXUP_IDS, FIXUPS } from "../../src/fixups/index.js";
import { fixupKnowledge } from "../../src/fixups/knowledge.js";
import { vendorPrograms } from "../../src/fixups/vendor-software.js";
import { buildPlan } from "../../src/plan/build.js";
import { expandPlan } from "../../src/plan/expand.js";
import { loadProfile, resolveOptions } from "../../src/plan/profiles.js";
import type { FixupOptionsInput } from "../../src/fixups/options.js";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { detectFindings } from "../../src/windows/findings/index.js";
import { loadWindows } from "../../src/windows/load.js";
import { registryFromRegFile } from "../../src/windows/memory-registry.js";
import { buildModel } from "../../src/windows/model.js";
import { HELD_SERVICES_KEY } from "../../src/firstboot/index.js";

function plan(scenario: string, overrides: FixupOptionsInput, profile = "p2v-default") {
  const loaded = loadWindows(join(scenariosDir, scenario));
  const p = loadProfile(profile);
  return { ...buildPlan({ hives: loaded.hives, options: resolveOptions(p, overrides), source: scenario, profile: p.name }), hives: loaded.hives };
}

describe("fixups", () => {
  it("every fixup a finding names exists (manual and first-boot-report excepted)", () => {
    const named = new Set<string>();
    for (const s of ["hp-proliant-2012r2", "win10-hyperv-guest", "server2019-vmware", "server2003-dc"]) {
      const { hives } = loadWindows(join(scenariosDir, s));
      for (const t of ["hyperv", "vmware", "kvm", "xen"]) for (const f of detectFindings(buildModel(hives), { target: t })) named.add(f.fixup);
    }
    for (const id of named) if (id !== "manual" && id !== "first-boot-report") expect(FIXUP_IDS).toContain(id);
    expect(new Set(FIXUPS.map((f) => f.id)).size).toBe(FIXUPS.length);
  });

  it("knowledge files load, every entry with a defined source", () => {
    const k = fixupKnowledge();
    expect(k.held.services.length).toBeGreaterThan(0);
    expect(k.uninstall.programs.map((p) => p.vendor)).toContain("HP/HPE");
  });

  it("ncsi internal-probe points the probe at the internal host: the finding goes away without turning probing off", () => {
    const { plan: p } = plan("win10-hyperv-guest", { target: "hyperv", ncsi: { mode: "internal-probe", probeHost: "ncsi.corp.example" } });
    const ncsi = p.fixups.find((f) => f.id === "ncsi")!;
    expect(ncsi.registry.map((e) => e.name)).toEqual(["ActiveWebProbeHost", "ActiveWebProbePath", "ActiveWebProbeContent"]);
    expect(ncsi.registry[0].data).toBe("ncsi.corp.example");
  });

  it("held services keep their original Start in the plan; the runner's HeldServices list restores them", () => {
    const { plan: p, hives } = plan("win10-hyperv-guest", { target: "hyperv", holdServices: ["WinDefend", "NoSuchService"] }, "quiet-first-boot");
    const held = p.fixups.flatMap((f) => f.services).filter((s) => s.reEnable);
    expect(held.map((s) => [s.service, s.originalStart])).toEqual([["WinDefend", 2]]);
    for (const s of held) expect(s.start).toBe(3);
    const expanded = expandPlan(p, { system: hives.system, software: hives.software! });
    const list = expanded.registry.filter((c) => c.kind === "set-value" && c.hive === "SOFTWARE" && c.key === HELD_SERVICES_KEY);
    expect(list.map((c) => (c.kind === "set-value" ? [c.name, c.data] : null))).toEqual(held.map((s) => [s.service, { type: "REG_DWORD", value: s.originalStart }]));
  });

  it("--no-keep-ip clears the old configuration without a first-boot step", () => {
    const { plan: p } = plan("hp-proliant-2012r2", { target: "hyperv", keepIp: false });
    expect(p.fixups.find((f) => f.id === "static-ip")!.registry.length).toBeGreaterThan(0);
    expect(p.firstBoot?.steps.map((s) => s.id)).toEqual(["remove-ghost-devices"]);
  });

  it("XP/2003: offline changes only, the static IP and the uninstall are left as notices", () => {
    const { plan: p } = plan("server2003-dc", { target: "xen" });
    expect(p.firstBoot).toBeNull();
    const notices = p.fixups.flatMap((f) => f.notices).join("\n");
    expect(notices).toMatch(/set 192\.168\.10\.2\/255\.255\.255\.0, .* on the new NIC by hand/);
    expect(notices).toMatch(/BackupExecAgentAccelerator .* left as it is/);
    const boot = p.fixups.find((f) => f.id === "boot-storage")!;
    expect(boot.registry.some((e) => e.name === "UpperFilters")).toBe(true);
  });

  it("a target whose boot drivers are not installed gets a notice naming them", () => {
    const { plan: p } = plan("win10-hyperv-guest", { target: "vmware" });
    expect(p.fixups.find((f) => f.id === "boot-storage")!.notices[0]).toMatch(/^No VMware boot controller can load this image \(drivers LSI_SAS, LSI_SCSI, symmpi, pvscsi, storahci, stornvme not installed\)/);
  });

  it("vendor programs are found in the Uninstall keys of the vendors whose services were found", () => {
    const reg = parseRegFile(
      new TextEncoder().encode(
        [
          "Windows Registry Editor Version 5.00",
          "",
          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{1B2C3D4E-0000-4000-8000-000000000001}]",
          '"DisplayName"="HP Insight Management Agents"',
          '"Publisher"="Hewlett-Packard Company"',
          '"UninstallString"="MsiExec.exe /I{1B2C3D4E-0000-4000-8000-000000000001}"',
          "",
          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip]",
          '"DisplayName"="7-Zip 19.00"',
          '"Publisher"="Igor Pavlov"',
          '"UninstallString"="C:\\\\Program Files\\\\7-Zip\\\\Uninstall.exe"',
          "",
          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\DellOM]",
          '"DisplayName"="Dell OpenManage Server Administrator"',
          '"Publisher"="Dell Inc."',
          '"UninstallString"="MsiExec.exe /X{0B2C3D4E-0000-4000-8000-000000000002}"',
          "",
        ].join("\r\n"),
      ),
      "uninstall.reg",
    );
    const software = registryFromRegFile(reg, { rootPrefix: "HKEY_LOCAL_MACHINE\\SOFTWARE" });
    expect(vendorPrograms(software, new Set(["HP/HPE"])).map((p) => p.displayName)).toEqual(["HP Insight Management Agents"]);
    expect(vendorPrograms(software, new Set(["HP/HPE", "Dell"])).map((p) => p.name)).toEqual(["{1B2C3D4E-0000-4000-8000-000000000001}", "DellOM"]);
    expect(vendorPrograms(software, new Set())).toEqual([]);
  });
});
