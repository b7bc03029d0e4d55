/** Units of the model, the in-memory registry, loading a mounted root, and robustness. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildScenario, scenariosDir } from "../../scripts/fixtures/build-scenarios.js";
import { P2vfixError } from "../../src/errors.js";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { driverFilePath, loadWindows } from "../../src/windows/load.js";
import { registryFromRegFile } from "../../src/windows/memory-registry.js";
import { buildModel } from "../../src/windows/model.js";
import { luidHex, readNsi } from "../../src/windows/nsi.js";
import { systemTime } from "../../src/windows/ncsi.js";
import { readPending } from "../../src/windows/pending.js";
import { InspectReport } from "../../src/windows/schema.js";
import { resolveDisplayName, serviceKind } from "../../src/windows/services.js";

const reg = (body: string) => registryFromRegFile(parseRegFile(`Windows Registry Editor Version 5.00\n\n${body}`));

describe("in-memory registry from a .reg file", () => {
  it("strips the HKLM\\<hive> prefix, looks up case-insensitively, applies deletions, sorts subkeys as a hive", () => {
    const root = reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\b]\n"X"=dword:00000005\n[HKEY_LOCAL_MACHINE\\SYSTEM\\A\\c]\n"v"="text"\n"gone"="x"\n[HKEY_LOCAL_MACHINE\\SYSTEM\\A\\c]\n"gone"=-\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\b]\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Z]\n[HKEY_LOCAL_MACHINE\\SYSTEM\\a\\D]\n`);
    expect(root.subkeys().map((k) => k.name)).toEqual(["A", "Z"]);
    expect(root.key("a\\C")!.value("V")!.string()).toBe("text");
    expect(root.key("A\\c")!.value("gone")).toBeUndefined();
    expect(root.key("a\\c")!.path).toBe("A\\c");
    expect(root.subkey("b")).toBeUndefined();
  });
  it("refuses keys outside the root with a typed error naming the line", () => {
    expect(() => reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\A]\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\B]\n`)).toThrow(P2vfixError);
  });
});

describe("decoding helpers", () => {
  it("NET_LUID in NSI value names (Windows 7 sample: index 7, Ethernet)", () => {
    expect(luidHex(7, 6)).toBe("0000000700000600");
    expect(luidHex(0x8000, 6)).toBe("0000000080000600");
  });
  it("NSI names: IPv4 address, IPv6 address, route next hop", () => {
    const root = reg(
      `[HKEY_LOCAL_MACHINE\\SYSTEM\\CCS\\Control\\Nsi\\{eb004a00-9b1a-11d4-9123-0050047759bc}\\10]\n"00000007000006000a033a0500000000"=hex:ff\n` +
        `[HKEY_LOCAL_MACHINE\\SYSTEM\\CCS\\Control\\Nsi\\{eb004a01-9b1a-11d4-9123-0050047759bc}\\10]\n"000000030000060020010db8000000000000000000000001"=hex:ff\n` +
        `[HKEY_LOCAL_MACHINE\\SYSTEM\\CCS\\Control\\Nsi\\{eb004a00-9b1a-11d4-9123-0050047759bc}\\16]\n"000000000000000000000000000000000000000000000000000000070000060000000007000006000a033a0100000000"=hex:ff\n`,
    );
    const nsi = readNsi(root.key("CCS")!);
    expect(nsi.ipv4.map((a) => [a.luid, a.address])).toEqual([["0000000700000600", "10.3.58.5"]]);
    expect(nsi.ipv6.map((a) => a.address)).toEqual(["2001:db8::1"]);
    expect(nsi.routes.map((r) => [r.luid, r.nextHop])).toEqual([["0000000700000600", "10.3.58.1"]]);
  });
  it("display names: plain, INF form with fallback, DLL resource form falls back to the key name", () => {
    expect(resolveDisplayName("HP Insight Agents", "CqMgHost")).toBe("HP Insight Agents");
    expect(resolveDisplayName("@wvmbus.inf,%vmbus.SVCDESC%;Virtual Machine Bus", "vmbus")).toBe("Virtual Machine Bus");
    expect(resolveDisplayName("@%SystemRoot%\\System32\\nlasvc.dll,-1", "NlaSvc")).toBe("NlaSvc");
    expect(resolveDisplayName(undefined, "x")).toBe("x");
  });
  it("service types", () => {
    expect([0x1, 0x2, 0x10, 0x20, 0x110, 0x60, 0xe0].map(serviceKind)).toEqual([
      "kernel-driver", "filesystem-driver", "own-process", "share-process", "own-process", "user-service-template", "user-service-instance",
    ]);
  });
  it("SYSTEMTIME and pending rename pairs (empty target = delete)", () => {
    expect(systemTime(new Uint8Array([0xe8, 0x07, 2, 0, 5, 0, 2, 0, 7, 0, 45, 0, 3, 0, 0, 0]))).toBe("2024-02-02T07:45:03");
    expect(systemTime(new Uint8Array(16))).toBeNull();
    const root = reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\CCS\\Control\\Session Manager]\n"PendingFileRenameOperations"=hex(7):61,00,00,00,00,00,62,00,00,00,21,00,63,00,00,00,00,00\n`);
    expect(readPending(root.key("CCS")!, undefined).fileRenames).toEqual([{ from: "a", to: "" }, { from: "b", to: "!c" }]);
  });
  it("driver image paths relative to the volume root", () => {
    expect(driverFilePath("storvsc", "System32\\drivers\\storvsc.sys")).toBe("Windows/System32/drivers/storvsc.sys");
    expect(driverFilePath("atapi", "\\SystemRoot\\system32\\DRIVERS\\atapi.sys")).toBe("Windows/system32/DRIVERS/atapi.sys");
    expect(driverFilePath("viostor", null)).toBe("Windows/System32/drivers/viostor.sys");
    expect(driverFilePath("x", "\\??\\C:\\Windows\\system32\\drivers\\x.sys")).toBe("Windows/system32/drivers/x.sys");
  });
});

describe("missing and unknown parts", () => {
  it("a SYSTEM-only read makes the SOFTWARE sections unknown, not a crash", () => {
    const { hives } = loadWindows(join(scenariosDir, "hp-proliant-2012r2", "SYSTEM.reg"));
    const r = inspectWindows(hives, { target: "hyperv" });
    expect(r.unknown.map((u) => u.section)).toEqual(["software"]);
    expect(r.installation.productName).toBeNull();
    expect(r.network.networkCards).toBeNull();
    expect(r.network.profiles).toBeNull();
    expect(r.firstBootResults).toBeNull();
    expect(r.installation.hostname).toBe("HQ-FS01");
  });
  it("a hive without control sets is refused with a typed error", () => {
    expect(() => buildModel({ system: reg(`[HKEY_LOCAL_MACHINE\\SYSTEM\\Foo]\n`), sources: { system: "x" } })).toThrow(/not a SYSTEM hive/);
  });
  it("an unknown --target is a usage error", () => {
    const { hives } = loadWindows(join(scenariosDir, "win10-hyperv-guest"));
    expect(() => inspectWindows(hives, { target: "bochs" })).toThrow(P2vfixError);
  });
  it("random registries: the model never throws anything but a P2vfixError", () => {
    const names = fc.constantFrom("Select", "ControlSet001", "Services", "Control", "Class", NET_CLASS, "0001", "Tcpip", "Parameters", "Interfaces", "Nsi", "Ndi", "Start", "x");
    const value = fc.record({
      path: fc.array(names, { minLength: 0, maxLength: 6 }),
      name: fc.constantFrom("Start", "Default", "Current", "NetCfgInstanceId", "IPAddress", "EnableDHCP", "Characteristics", "UpperFilters", "NetLuidIndex", "*IfType", "Type"),
      type: fc.constantFrom(1, 2, 3, 4, 7, 11, 0x1234),
      data: fc.uint8Array({ maxLength: 24 }),
    });
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), (values) => {
        const ops = values.map((v, i) => ({ kind: "value" as const, keyPath: ["HKEY_LOCAL_MACHINE\\SYSTEM", ...v.path].join("\\"), name: v.name, type: v.type, data: v.data, line: i + 1 }));
        const root = registryFromRegFile({ version: 5, ops: [{ kind: "key", path: "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001", line: 0 }, ...ops] });
        try {
          const r = inspectWindows({ system: root, sources: { system: "random" } }, { target: "kvm" });
          InspectReport.parse(r);
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
        }
      }),
      { numRuns: 200 },
    );
  });
});

const NET_CLASS = "{4D36E972-E325-11CE-BFC1-08002BE10318}";

describe("a mounted Windows root", () => {
  const root = mkdtempSync(join(tmpdir(), "p2vfix-mounted-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  it("finds the hives case-insensitively, checks driver files and the hiberfil.sys header", () => {
    const built = buildScenario("win10-hyperv-guest", join(root, "build"));
    const mount = join(root, "mnt");
    const config = join(mount, "WINDOWS", "system32", "Config");
    mkdirSync(config, { recursive: true });
    copyFileSync(join(built, "SYSTEM"), join(config, "SYSTEM"));
    copyFileSync(join(built, "SOFTWARE"), join(config, "software"));
    const drivers = join(mount, "WINDOWS", "system32", "drivers");
    mkdirSync(drivers, { recursive: true });
    writeFileSync(join(drivers, "vmbus.sys"), "MZ");
    // storvsc.sys missing: the Gen2 path cannot load, the only other path is demoted.
    writeFileSync(join(mount, "hiberfil.sys"), Buffer.concat([Buffer.from("HIBR"), Buffer.alloc(60)]));
    const loaded = loadWindows(mount);
    const r = inspectWindows(loaded.hives, { ...loaded.options, target: "hyperv" });
    expect(r.sources.software).toMatch(/software$/);
    expect(r.power.hiberfile).toEqual({ checked: true, present: true, signature: "HIBR", hibernated: true });
    const gen2 = r.bootStorage.targets.find((t) => t.target === "hyperv")!.paths.find((p) => p.id === "gen2-scsi")!;
    expect(gen2.drivers.map((d) => [d.service, d.imageFile])).toEqual([["vmbus", "present"], ["storvsc", "absent"]]);
    expect(r.findings.map((f) => f.id).sort()).toEqual(
      ["boot-driver-missing:hyperv", "crash-auto-reboot", "fast-startup", "hibernated", "ncsi-active-probing", "pending-reboot", "previous-firstboot"].sort(),
    );
  });
});
