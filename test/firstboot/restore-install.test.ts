/**
 * installRunner with a restore list: the runner is installed even when the plan's only
 * first-boot work is putting values back; the list holds the originals with their types; the
 * Setup-hook deadline is written and bounded; a re-apply before the first boot reads the
 * originals from the armed list, not from the already changed hive.
 */
import { describe, expect, it } from "vitest";
import type { RegistryChange } from "../../src/changes/change.js";
import { installRunner } from "../../src/firstboot/install.js";
import { RESTORE_KEY } from "../../src/firstboot/layout.js";
import { readFirstBootOnly, readRestoreList, type FirstBootOnlyValue } from "../../src/firstboot/restore-list.js";
import { registryFromRegFile } from "../../src/windows/memory-registry.js";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { scenario } from "./samples.js";

const autoReboot: RegistryChange = { kind: "set-value", fixup: "crash-control", hive: "SYSTEM", key: "ControlSet001\\Control\\CrashControl", name: "AutoReboot", data: { type: "REG_DWORD", value: 0 }, reason: "r", restoreAfterFirstBoot: true };
const probe: RegistryChange = { kind: "set-value", fixup: "ncsi", hive: "SOFTWARE", key: "Policies\\Microsoft\\Windows\\NetworkConnectivityStatusIndicator", name: "NoActiveProbe", data: { type: "REG_DWORD", value: 1 }, reason: "r", restoreAfterFirstBoot: true };
const permanent: RegistryChange = { ...autoReboot, name: "Other", restoreAfterFirstBoot: false };

function values(changes: RegistryChange[], key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of changes) if (c.kind === "set-value" && c.key === key) out[c.name] = "value" in c.data ? c.data.value : c.data.hex;
  return out;
}

describe("restore list install", () => {
  const { hives } = scenario("hp-proliant-2012r2");
  const system = hives.system;
  const software = hives.software!;

  it("reads the originals (present with its type, absent as absent) and skips unflagged changes", () => {
    const list = readFirstBootOnly([autoReboot, probe, permanent], { system, software });
    expect(list.map((v) => v.name)).toEqual(["AutoReboot", "NoActiveProbe"]);
    const original = system.key("ControlSet001\\Control\\CrashControl")?.value("AutoReboot")?.dword();
    expect(list[0].original).toEqual(original === undefined ? null : { type: "REG_DWORD", value: original });
    expect(list[1].original).toBeNull();
  });

  it("installs the runner for a restore list alone, with the deadline", () => {
    const list = readFirstBootOnly([autoReboot, probe], { system, software });
    const result = installRunner({ system, software, steps: [], firstBootOnly: list, setupDeadlineSeconds: 900 });
    expect(result.hooks).toEqual(["setup", "service"]);
    expect(values(result.changes, "p2vfix\\FirstBoot").SetupDeadlineSeconds).toBe(900);
    const first = values(result.changes, `${RESTORE_KEY}\\001`);
    expect(first).toMatchObject({ Hive: "SYSTEM", Key: "ControlSet001\\Control\\CrashControl", Name: "AutoReboot", Written: 0 });
    expect(values(result.changes, `${RESTORE_KEY}\\002`)).toMatchObject({ Hive: "SOFTWARE", Name: "NoActiveProbe", Existed: 0, Type: "", Written: 1 });
    expect(values(result.changes, `${RESTORE_KEY}\\002`)).not.toHaveProperty("Data");
    expect(installRunner({ system, software, steps: [] }).hooks).toEqual([]);
  });

  it("the deadline is bounded", () => {
    expect(() => installRunner({ system, software, steps: [], firstBootOnly: readFirstBootOnly([autoReboot], { system, software }), setupDeadlineSeconds: 59 })).toThrow(RangeError);
    expect(() => installRunner({ system, software, steps: [], firstBootOnly: readFirstBootOnly([autoReboot], { system, software }), setupDeadlineSeconds: 3601 })).toThrow(RangeError);
  });

  it("an armed list wins over the hive (re-apply before the first boot changes nothing)", () => {
    const armed = registryFromRegFile(
      parseRegFile(
        'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\p2vfix\\FirstBoot\\Restore\\001]\r\n"Fixup"="crash-control"\r\n"Hive"="SYSTEM"\r\n"Key"="ControlSet001\\\\Control\\\\CrashControl"\r\n"Name"="AutoReboot"\r\n"Existed"=dword:00000001\r\n"Type"="DWord"\r\n"Data"=dword:00000001\r\n"Written"=dword:00000000\r\n',
      ),
    );
    const recorded: FirstBootOnlyValue[] = readRestoreList(armed);
    expect(recorded).toEqual([{ fixup: "crash-control", hive: "SYSTEM", key: "ControlSet001\\Control\\CrashControl", name: "AutoReboot", original: { type: "REG_DWORD", value: 1 }, written: { type: "REG_DWORD", value: 0 } }]);
    const again = readFirstBootOnly([autoReboot], { system, software }, recorded);
    expect(again[0].original).toEqual({ type: "REG_DWORD", value: 1 });
  });
});
