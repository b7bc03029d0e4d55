/**
 * Reading the first-boot results: a SOFTWARE hive written with the regf writer the way the
 * runner writes it (REG_SZ, REG_DWORD incl. exit code -1, REG_MULTI_SZ output tails), read by
 * readFirstBootReport and by `p2vfix report` from a hive file, a mounted root and a .reg
 * export, human and JSON.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { readFirstBootReport } from "../../src/firstboot/results.js";
import type { RegistryChange } from "../../src/changes/change.js";
import { createHive } from "../../src/regf/edit/new-hive.js";
import { applyChanges } from "./apply-changes.js";
import { scenarioDir } from "./samples.js";

const R = "p2vfix\\FirstBoot\\Results";
const set = (key: string, name: string, data: Extract<RegistryChange, { kind: "set-value" }>["data"]): RegistryChange => ({ kind: "set-value", fixup: "t", reason: "t", hive: "SOFTWARE", key, name, data });
const sz = (value: string) => ({ type: "REG_SZ" as const, value });
const dw = (value: number) => ({ type: "REG_DWORD" as const, value });

/** What the runner leaves after a run with one good step, one timed-out step, one failed. */
function runnerOutcome(): RegistryChange[] {
  return [
    set("p2vfix\\FirstBoot", "State", sz("failed")),
    set("p2vfix\\FirstBoot", "Boots", dw(1)),
    set("p2vfix\\FirstBoot", "MaxBoots", dw(3)),
    set(R, "State", sz("failed")),
    set(R, "Mechanism", sz("setup")),
    set(R, "Boots", dw(1)),
    set(R, "Started", sz("2026-11-20T10:00:01Z")),
    set(R, "Finished", sz("2026-11-20T10:04:12Z")),
    set(R, "PnpSettled", dw(1)),
    set(R, "StepsOk", dw(1)),
    set(R, "StepsFailed", dw(2)),
    set(R, "RebootRequired", dw(1)),
    set(R, "Summary", sz("1 ok, 2 failed")),
    set(R, "ServicesRestored", { type: "REG_MULTI_SZ", value: ["Dhcp=2", "NlaSvc=2"] }),
    set(R, "ValuesRestored", { type: "REG_MULTI_SZ", value: ["HKLM:\\SYSTEM\\ControlSet001\\Control\\CrashControl\\AutoReboot"] }),
    set(`${R}\\move-static-ip`, "Title", sz("Static IP 10.20.30.40 on the new NIC")),
    set(`${R}\\move-static-ip`, "Status", sz("ok-reboot")),
    set(`${R}\\move-static-ip`, "Attempts", dw(1)),
    set(`${R}\\move-static-ip`, "ExitCode", dw(3010)),
    set(`${R}\\move-static-ip`, "Started", sz("2026-11-20T10:01:00Z")),
    set(`${R}\\move-static-ip`, "Finished", sz("2026-11-20T10:01:09Z")),
    set(`${R}\\move-static-ip`, "Output", { type: "REG_MULTI_SZ", value: ["adapter: Microsoft Hyper-V Network Adapter MAC 00:15:5D:01:0A:02 index 7", "EnableStatic 10.20.30.40 / 255.255.255.0: 0"] }),
    set(`${R}\\remove-ghost-devices`, "Status", sz("timeout")),
    set(`${R}\\remove-ghost-devices`, "Attempts", dw(2)),
    set(`${R}\\remove-ghost-devices`, "ExitCode", dw(0xffffffff)),
    set(`${R}\\remove-ghost-devices`, "Output", { type: "REG_MULTI_SZ", value: [""] }),
    set(`${R}\\uninstall-hpsum`, "Status", sz("failed")),
    set(`${R}\\uninstall-hpsum`, "ExitCode", dw(1603)),
    set(`${R}\\uninstall-hpsum`, "Attempts", dw(1)),
  ];
}

function softwareHive(changes: RegistryChange[]): Uint8Array {
  const editor = createHive("ROOT", { now: () => new Date(0) });
  editor.createKey("Microsoft\\Windows NT\\CurrentVersion");
  applyChanges(editor, changes);
  return editor.serialize();
}

const dir = mkdtempSync(join(tmpdir(), "p2vfix-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readFirstBootReport", () => {
  const bytes = softwareHive(runnerOutcome());
  const file = join(dir, "SOFTWARE");
  writeFileSync(file, bytes);

  it("types every value the runner writes", async () => {
    const { openHive } = await import("../../src/regf/open.js");
    const report = readFirstBootReport(openHive(bytes).root());
    expect(report).toEqual({
      state: "failed",
      mechanism: "setup",
      boots: 1,
      maxBoots: 3,
      started: "2026-11-20T10:00:01Z",
      finished: "2026-11-20T10:04:12Z",
      summary: "1 ok, 2 failed",
      stepsOk: 1,
      stepsFailed: 2,
      rebootRequired: true,
      pnpSettled: true,
      servicesRestored: ["Dhcp=2", "NlaSvc=2"],
      valuesRestored: ["HKLM:\\SYSTEM\\ControlSet001\\Control\\CrashControl\\AutoReboot"],
      workDirProblem: null,
      steps: [
        {
          id: "move-static-ip",
          title: "Static IP 10.20.30.40 on the new NIC",
          status: "ok-reboot",
          started: "2026-11-20T10:01:00Z",
          finished: "2026-11-20T10:01:09Z",
          exitCode: 3010,
          attempts: 1,
          output: ["adapter: Microsoft Hyper-V Network Adapter MAC 00:15:5D:01:0A:02 index 7", "EnableStatic 10.20.30.40 / 255.255.255.0: 0"],
        },
        { id: "remove-ghost-devices", title: null, status: "timeout", started: null, finished: null, exitCode: -1, attempts: 2, output: [] },
        { id: "uninstall-hpsum", title: null, status: "failed", started: null, finished: null, exitCode: 1603, attempts: 1, output: [] },
      ],
    });
  });

  it("p2vfix report FILE: the human table with each step and its output tail", async () => {
    const out = captureOutput();
    expect(await main(["report", file], out)).toBe(0);
    const text = out.stdout();
    expect(text).toContain("State             failed");
    expect(text).toContain("Boots             1 of at most 3");
    expect(text).toContain("Services restored Dhcp=2, NlaSvc=2");
    expect(text).toMatch(/^STEP\s+STATUS\s+EXIT\s+TRIES\s+STARTED\s+FINISHED\s+TITLE$/m);
    expect(text).toMatch(/^move-static-ip\s+ok-reboot\s+3010\s+1\s+2026-11-20T10:01:00Z\s+2026-11-20T10:01:09Z\s+Static IP 10.20.30.40 on the new NIC$/m);
    expect(text).toMatch(/^remove-ghost-devices\s+timeout\s+-1\s+2$/m);
    expect(text).toContain("move-static-ip output (last 2 lines):\n  adapter: Microsoft Hyper-V Network Adapter");
  });

  it("--json and a mounted Windows root give the same report", async () => {
    const root = join(dir, "mounted");
    mkdirSync(join(root, "Windows", "System32", "config"), { recursive: true });
    writeFileSync(join(root, "Windows", "System32", "config", "SOFTWARE"), bytes);
    writeFileSync(join(root, "Windows", "System32", "config", "SYSTEM"), softwareHive([]));
    const a = captureOutput();
    const b = captureOutput();
    expect(await main(["report", file, "--json"], a)).toBe(0);
    expect(await main(["report", root, "--json"], b)).toBe(0);
    const ja = JSON.parse(a.stdout());
    const jb = JSON.parse(b.stdout());
    expect(ja.firstBoot).toEqual(jb.firstBoot);
    expect(ja.firstBoot.steps.map((s: { id: string }) => s.id)).toEqual(["move-static-ip", "remove-ghost-devices", "uninstall-hpsum"]);
    expect(jb.source).toMatch(/SOFTWARE$/);
  });
});

describe("p2vfix report edge cases", () => {
  it("a .reg export from a live system (the scenario's earlier results, another value layout)", async () => {
    const out = captureOutput();
    expect(await main(["report", join(scenarioDir("win10-hyperv-guest"), "SOFTWARE.reg"), "--json"], out)).toBe(0);
    const report = JSON.parse(out.stdout()).firstBoot;
    expect(report.started).toBe("2024-01-20T08:16:02Z");
    expect(report.steps.map((s: { id: string; status: string; output: string[] }) => [s.id, s.status, s.output])).toEqual([
      ["01-wait-pnp", "ok", ["PnP settled after 12 s"]],
      ["02-remove-ghosts", "ok", ["removed 3 non-present devices (Net: 1, SCSIAdapter: 2)"]],
    ]);
  });

  it("a disk image: the SOFTWARE hive is found through the image layer (VHDX > MBR > NTFS)", async () => {
    const image = join(dir, "demo.vhdx");
    writeFileSync(image, gunzipSync(readFileSync(join(scenarioDir("."), "demo-hp-proliant.vhdx.gz"))));
    const out = captureOutput();
    expect(await main(["report", image, "--json"], out)).toBe(0);
    expect(JSON.parse(out.stdout())).toEqual({ source: `${image}:partition 1:Windows/System32/config/SOFTWARE`, firstBoot: null, unmappedAdapters: [] });
  });

  it("no runner in the hive: says so, JSON null", async () => {
    const file = join(dir, "EMPTY");
    writeFileSync(file, softwareHive([]));
    const out = captureOutput();
    expect(await main(["report", file], out)).toBe(0);
    expect(out.stdout()).toMatch(/no p2vfix first-boot runner or results/);
    const json = captureOutput();
    await main(["report", file, "--json"], json);
    expect(JSON.parse(json.stdout()).firstBoot).toBeNull();
  });

  it("an armed runner that has not run yet is reported as such", async () => {
    const file = join(dir, "ARMED");
    writeFileSync(file, softwareHive([set("p2vfix\\FirstBoot", "State", sz("armed")), set("p2vfix\\FirstBoot", "Mechanism", sz("setup,service"))]));
    const out = captureOutput();
    expect(await main(["report", file], out)).toBe(0);
    expect(out.stdout()).toMatch(/has not run yet/);
  });

  it("a corrupt hive is bad input (exit 3), a missing target not found (exit 6)", async () => {
    const bad = softwareHive(runnerOutcome()).slice();
    bad.fill(0, 4096, 4100); // the first hive bin loses its signature
    writeFileSync(join(dir, "BAD"), bad);
    const out = captureOutput();
    expect(await main(["report", join(dir, "BAD")], out)).toBe(3);
    expect(out.stderr()).toMatch(/hbin|bin/i);
    expect(await main(["report", join(dir, "nope")], captureOutput())).toBe(6);
    const header = new Uint8Array(512).fill(1);
    header.set([0x72, 0x65, 0x67, 0x66]);
    writeFileSync(join(dir, "TRUNC"), header);
    expect(await main(["report", join(dir, "TRUNC")], captureOutput())).toBe(3);
  });
});
