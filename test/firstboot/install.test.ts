/**
 * installRunner on the scenario fixtures and on small hand-made hives: the exact keys and
 * values of both hooks, the original Setup values kept for the restore, the refusals (XP/2003,
 * Setup busy), the step keys, and a round trip through the regf writer.
 */
import { describe, expect, it } from "vitest";
import { decodeCommand } from "../../src/firstboot/powershell-text.js";
import { installRunner, MAX_HOOK_COMMAND, RUNNER_FIXUP } from "../../src/firstboot/install.js";
import { readFirstBootReport } from "../../src/firstboot/results.js";
import { bootstrapScript, runnerScript } from "../../src/firstboot/runner-script.js";
import { stepsToRegistry } from "../../src/firstboot/steps-registry.js";
import { userStep } from "../../src/firstboot/steps/user-step.js";
import type { RegistryChange } from "../../src/changes/change.js";
import { PlanError } from "../../src/errors.js";
import { createHive } from "../../src/regf/edit/new-hive.js";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { registryFromRegFile } from "../../src/windows/memory-registry.js";
import { applyChanges } from "./apply-changes.js";
import { sampleSteps, scenario } from "./samples.js";

const steps = [userStep({ id: "hello", shell: "powershell", script: "Write-Output hi" })];

function reg(text: string) {
  return registryFromRegFile(parseRegFile("Windows Registry Editor Version 5.00\r\n\r\n" + text));
}

function values(changes: RegistryChange[], hive: string, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of changes) if (c.kind === "set-value" && c.hive === hive && c.key === key) out[c.name] = "value" in c.data ? c.data.value : c.data.hex;
  return out;
}

describe("installRunner on HP ProLiant 2012 R2", () => {
  const { hives } = scenario("hp-proliant-2012r2");
  const result = installRunner({ system: hives.system, software: hives.software, steps, heldServices: [{ name: "Dhcp", originalStart: 2 }, { name: "NlaSvc", originalStart: 2 }] });

  it("arms both hooks", () => {
    expect(result.hooks).toEqual(["setup", "service"]);
  });

  it("writes SetupType 2 and a CmdLine that runs the setup bootstrap with the literal SystemRoot", () => {
    const setup = values(result.changes, "SYSTEM", "Setup");
    expect(setup.SetupType).toBe(2);
    const cmd = String(setup.CmdLine);
    expect(cmd).toMatch(/^C:\\Windows\\System32\\WindowsPowerShell\\v1\.0\\powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -EncodedCommand [A-Za-z0-9+/=]+$/);
    expect(decodeCommand(cmd.split(" ").pop()!)).toBe(bootstrapScript("setup"));
    expect(cmd.length).toBeLessThanOrEqual(MAX_HOOK_COMMAND);
  });

  it("keeps the original Setup values for the runner to restore", () => {
    expect(values(result.changes, "SOFTWARE", "p2vfix\\FirstBoot\\SetupOriginal")).toEqual({
      SetupType: 0,
      CmdLineType: "String",
      CmdLine: "",
      Installed: values(result.changes, "SYSTEM", "Setup").CmdLine,
    });
  });

  it("creates the fallback service under the control set in use, delayed, ErrorControl 0, no dependencies", () => {
    const svc = values(result.changes, "SYSTEM", "ControlSet001\\Services\\p2vfixFirstBoot");
    expect(svc).toMatchObject({ Type: 0x10, Start: 2, DelayedAutostart: 1, ErrorControl: 0, ObjectName: "LocalSystem" });
    expect(Object.keys(svc).sort()).toEqual(["DelayedAutostart", "Description", "DisplayName", "ErrorControl", "ImagePath", "ObjectName", "Start", "Type"]);
    const image = String(svc.ImagePath);
    expect(image).toMatch(/^%SystemRoot%\\System32\\cmd\.exe \/c start "" \/b %SystemRoot%\\System32\\WindowsPowerShell\\v1\.0\\powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/);
    expect(decodeCommand(image.split(" ").pop()!)).toBe(bootstrapScript("service"));
    expect(image.length).toBeLessThanOrEqual(MAX_HOOK_COMMAND);
    const imageChange = result.changes.find((c) => c.kind === "set-value" && c.name === "ImagePath");
    expect(imageChange && imageChange.kind === "set-value" && imageChange.data.type).toBe("REG_EXPAND_SZ");
    expect(result.changes.filter((c) => c.kind === "create-key" && c.hive === "SYSTEM").map((c) => c.key)).toEqual(["ControlSet001\\Services\\p2vfixFirstBoot"]);
  });

  it("stores the runner, its bounds and the held services with their original Start", () => {
    expect(values(result.changes, "SOFTWARE", "p2vfix\\FirstBoot")).toEqual({
      Runner: runnerScript(),
      State: "armed",
      Boots: 0,
      MaxBoots: 3,
      PnpSettleSeconds: 300,
      RebootWhenRequired: 0,
      Mechanism: "setup,service",
      SetupDeadlineSeconds: 600,
    });
    expect(values(result.changes, "SOFTWARE", "p2vfix\\FirstBoot\\HeldServices")).toEqual({ Dhcp: 2, NlaSvc: 2 });
  });

  it("every change names the fixup and a reason", () => {
    for (const c of result.changes) {
      expect(c.reason.length).toBeGreaterThan(5);
      expect(c.fixup === RUNNER_FIXUP || c.fixup === "user").toBe(true);
    }
  });
});

describe("installRunner refusals and variants", () => {
  it("XP / Server 2003: no runner, a notice naming the steps", () => {
    const { hives } = scenario("server2003-dc");
    const r = installRunner({ system: hives.system, software: hives.software, steps: sampleSteps() });
    expect(r.changes).toEqual([]);
    expect(r.hooks).toEqual([]);
    expect(r.notices.join(" ")).toMatch(/XP \/ Server 2003\) has no PowerShell.*move-static-ip.*by hand/);
  });

  it("Setup in use: the service only, with the reason; Setup values untouched", () => {
    const system = reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"Current"=dword:00000001\r\n"Default"=dword:00000002\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002]\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Setup]\r\n"SetupType"=dword:00000000\r\n"CmdLine"="oobe\\\\windeploy.exe"\r\n"OOBEInProgress"=dword:00000001\r\n`);
    const r = installRunner({ system, steps });
    expect(r.hooks).toEqual(["service"]);
    expect(r.notices.join(" ")).toMatch(/in use by Windows Setup \(CmdLine is "oobe\\\\windeploy.exe", OOBEInProgress is 1\)/);
    expect(r.changes.some((c) => c.hive === "SYSTEM" && c.key === "Setup")).toBe(false);
    expect(r.changes.some((c) => c.key.endsWith("SetupOriginal"))).toBe(false);
    // Current and Default differ: both control sets get the service.
    expect(r.changes.filter((c) => c.kind === "create-key" && c.hive === "SYSTEM").map((c) => c.key)).toEqual([
      "ControlSet001\\Services\\p2vfixFirstBoot",
      "ControlSet002\\Services\\p2vfixFirstBoot",
    ]);
    expect(installRunner({ system, steps, mechanism: "setup" }).changes).toEqual([]);
  });

  it("a MULTI_SZ or absent CmdLine is remembered with its type", () => {
    const multi = reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"Current"=dword:00000001\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Setup]\r\n"CmdLine"=hex(7):00,00\r\n`);
    const r = installRunner({ system: multi, steps, mechanism: "setup" });
    expect(values(r.changes, "SOFTWARE", "p2vfix\\FirstBoot\\SetupOriginal")).toMatchObject({ SetupType: 0, CmdLineType: "MultiString", CmdLine: [] });
    expect(r.notices.join(" ")).toMatch(/No SOFTWARE hive/);
    const { hives } = scenario("server2019-vmware");
    const r2 = installRunner({ system: hives.system, software: hives.software, steps, mechanism: "setup" });
    expect(values(r2.changes, "SOFTWARE", "p2vfix\\FirstBoot\\SetupOriginal")).toMatchObject({ CmdLineType: "Absent" });
    expect(r2.hooks).toEqual(["setup"]);
  });

  it("Vista/2008 without a registered PowerShell engine: no runner", () => {
    const system = reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n"Current"=dword:00000001\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]\r\n`);
    const software = reg(`[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n"CurrentVersion"="6.0"\r\n"CurrentBuildNumber"="6002"\r\n`);
    expect(installRunner({ system, software, steps }).notices.join(" ")).toMatch(/PowerShell is not part of this Windows \(build 6002\)/);
    const withPs = reg(`[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n"CurrentVersion"="6.0"\r\n"CurrentBuildNumber"="6002"\r\n"SystemRoot"="D:\\\\WINNT"\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine]\r\n"PowerShellVersion"="2.0"\r\n`);
    const r = installRunner({ system, software: withPs, steps });
    expect(r.hooks).toEqual(["setup", "service"]);
    expect(String(values(r.changes, "SYSTEM", "Setup").CmdLine)).toMatch(/^D:\\WINNT\\System32\\WindowsPowerShell/);
  });

  it("leftovers of an earlier run are deleted first (old results would make steps look done)", () => {
    const { hives } = scenario("win10-hyperv-guest");
    const r = installRunner({ system: hives.system, software: hives.software, steps });
    const first = r.changes.findIndex((c) => c.kind === "set-value");
    expect(r.changes.slice(0, first).filter((c) => c.kind === "delete-key").map((c) => c.key)).toEqual(["p2vfix\\FirstBoot\\Results"]);
  });

  it("bounds are checked", () => {
    const { hives } = scenario("hp-proliant-2012r2");
    expect(() => installRunner({ system: hives.system, steps, maxBoots: 0 })).toThrow(RangeError);
    expect(() => installRunner({ system: hives.system, steps, maxBoots: 11 })).toThrow(RangeError);
    expect(() => installRunner({ system: hives.system, steps, heldServices: [{ name: "x", originalStart: 7 }] })).toThrow(RangeError);
    expect(installRunner({ system: hives.system, steps: [] }).changes).toEqual([]);
  });
});

describe("stepsToRegistry", () => {
  it("one key per step in order, with exactly the six values", () => {
    const s = sampleSteps();
    const changes = stepsToRegistry(s);
    const keys = [...new Set(changes.map((c) => c.key))];
    expect(keys).toEqual(s.map((_, i) => `p2vfix\\FirstBoot\\Steps\\${String(i + 1).padStart(3, "0")}`));
    expect(values(changes, "SOFTWARE", "p2vfix\\FirstBoot\\Steps\\002")).toEqual({
      Id: "move-static-ip",
      Title: s[1].title,
      Shell: "powershell",
      Script: s[1].script,
      TimeoutSeconds: 600,
      Retries: 2,
    });
    expect(changes.every((c) => c.hive === "SOFTWARE")).toBe(true);
  });

  it("rejects duplicate ids, unbounded limits and bad ids with PlanError", () => {
    const ok = steps[0];
    expect(() => stepsToRegistry([ok, { ...ok, id: "HELLO" }])).toThrow(/two first-boot steps have the id/);
    for (const bad of [{ ...ok, timeoutSeconds: 0 }, { ...ok, timeoutSeconds: 86401 }, { ...ok, retries: 11 }, { ...ok, retries: 1.5 }, { ...ok, id: "a\\b" }, { ...ok, id: "" }, { ...ok, script: "  " }]) {
      expect(() => stepsToRegistry([bad])).toThrow(PlanError);
    }
  });
});

describe("round trip through the regf writer", () => {
  it("a SOFTWARE hive with the install applied reads back as an armed runner with its steps", () => {
    const { hives } = scenario("hp-proliant-2012r2");
    const r = installRunner({ system: hives.system, software: hives.software, steps: sampleSteps(), maxBoots: 2 });
    const editor = createHive("ROOT", { now: () => new Date(0) });
    applyChanges(editor, r.changes.filter((c) => c.hive === "SOFTWARE"));
    const root = editor.toHive().root();
    expect(root.key("p2vfix\\FirstBoot")!.value("Runner")!.string()).toBe(runnerScript());
    expect(root.key("p2vfix\\FirstBoot\\Steps")!.subkeys().map((k) => k.name)).toHaveLength(sampleSteps().length);
    expect(root.key("p2vfix\\FirstBoot\\Steps\\004")!.value("Id")!.string()).toBe("remove-ghost-devices");
    const report = readFirstBootReport(root);
    expect(report).toMatchObject({ state: "armed", mechanism: "setup,service", boots: 0, maxBoots: 2, steps: [] });
  });
});
