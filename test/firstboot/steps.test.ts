/**
 * What each built-in step would do, checked offline through the PowerShell grammar: the WMI
 * methods and netsh commands with the right addresses, MAC matching, class filters, the
 * uninstall command lines; and the PlanErrors for input a step cannot honour.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PlanError } from "../../src/errors.js";
import { psString } from "../../src/firstboot/powershell-text.js";
import { adapterAdvancedStep, adapterKeywords } from "../../src/firstboot/steps/adapter-advanced.js";
import { normalizeMac } from "../../src/firstboot/steps/find-adapter.js";
import { removeGhostDevicesStep } from "../../src/firstboot/steps/ghost-devices.js";
import { resetNetworkStackStep, tcpAutotuningStep } from "../../src/firstboot/steps/network-stack.js";
import { moveStaticIpStep } from "../../src/firstboot/steps/static-ip.js";
import { uninstallCommand, uninstallStep } from "../../src/firstboot/steps/uninstall.js";
import { userStep } from "../../src/firstboot/steps/user-step.js";
import type { Tcpip } from "../../src/windows/schema.js";
import { parsePowerShell } from "./powershell-grammar.js";
import { scenario, staticAdapter } from "./samples.js";

/** `$name = ...` assignments of the script, by variable name (last one wins). */
function assignments(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of script.matchAll(/^\$(\w+) = (.+)$/gm)) out[m[1]] = m[2].trim();
  return out;
}

describe("move static IP", () => {
  const { model } = scenario("hp-proliant-2012r2");
  const old = staticAdapter(model);

  it("the scenario adapter is the one with the gateway (10.20.30.40)", () => {
    expect(old.tcpip.addresses).toEqual([{ address: "10.20.30.40", mask: "255.255.255.0" }]);
  });

  it("finds the NIC by MAC and applies addresses, gateway, DNS, suffix, registration, NetBIOS, WINS with WMI", async () => {
    const step = moveStaticIpStep({ tcpip: old.tcpip, mac: "00155d010a02" });
    const a = assignments(step.script);
    expect(a.targetMac).toBe("'00:15:5D:01:0A:02'");
    expect(a.ips).toBe("[string[]]@('10.20.30.40')");
    expect(a.masks).toBe("[string[]]@('255.255.255.0')");
    expect(a.gateways).toBe("[string[]]@('10.20.30.1')");
    expect(a.dns).toBe("[string[]]@('10.20.30.5','10.20.30.6')");
    const parsed = await parsePowerShell(step.script);
    expect(parsed.errors).toEqual([]);
    // Metric "0" (automatic) → SetGateways without metrics; NetbiosOptions 0 → SetTcpipNetbios(0).
    expect(parsed.methods.filter((m) => /^(Enable|Set)/.test(m))).toEqual(["EnableStatic", "SetGateways", "SetDNSServerSearchOrder", "SetDNSDomain", "SetDynamicDNSRegistration", "SetTcpipNetbios", "SetWINSServer"]);
    expect(step.script).toContain("{ $cfg.SetGateways($gateways) }\r\n");
    expect(step.script).toContain("{ $cfg.SetWINSServer('10.20.30.5', '') }");
    expect(step.script).toContain("{ $cfg.SetDNSDomain('corp.contoso.com') }");
    expect(step.script).toContain("{ $cfg.SetDynamicDNSRegistration($true, $false) }");
    expect(step.script).toContain("{ $cfg.SetTcpipNetbios(0) }");
    expect(step.script).toContain("Where-Object { $_.MACAddress -eq $targetMac }");
    expect(parsed.commands.filter((c) => /netsh/i.test(c.name))).toEqual([]);
    expect(step).toMatchObject({ id: "move-static-ip", shell: "powershell", retries: 2, timeoutSeconds: 600 });
  });

  it("without a MAC: the only physical adapter whose PnP id the image did not have", () => {
    const ids = model.network.adapters.map((x) => x.deviceInstanceId).filter((x): x is string => !!x);
    expect(ids.length).toBeGreaterThan(0);
    const step = moveStaticIpStep({ tcpip: old.tcpip, oldDeviceIds: ids });
    expect(assignments(step.script).targetMac).toBe("''");
    expect(assignments(step.script).oldDeviceIds).toBe(`@(${ids.map(psString).join(",")})`);
    expect(step.script).toContain("$oldDeviceIds -notcontains [string]$_.PNPDeviceID");
  });

  it("metrics, several addresses, WINS and IPv6 (netsh, link-local skipped)", async () => {
    const tcpip: Tcpip = {
      ...old.tcpip,
      addresses: [
        { address: "192.168.1.10", mask: "255.255.255.0" },
        { address: "192.168.2.10", mask: "255.255.254.0" },
      ],
      gateways: [{ address: "192.168.1.1", metric: 10 }, { address: "192.168.1.2", metric: 0 }],
      netbios: { options: 2, wins: ["192.168.1.5", "192.168.1.6", "192.168.1.7"] },
      nsi: { ...old.tcpip.nsi, ipv6: [{ luid: "x", address: "fe80::1", prefixLength: 64, valueName: "v", dataHex: "" }, { luid: "x", address: "2001:db8::10", prefixLength: 48, valueName: "w", dataHex: "" }] },
    };
    const step = moveStaticIpStep({ tcpip, mac: "AA-BB-CC-DD-EE-FF" });
    const a = assignments(step.script);
    expect(a.ips).toBe("[string[]]@('192.168.1.10','192.168.2.10')");
    expect(a.masks).toBe("[string[]]@('255.255.255.0','255.255.254.0')");
    expect(a.metrics).toBe("[UInt16[]]@(10,1)");
    expect(step.script).toContain("{ $cfg.SetGateways($gateways, $metrics) }");
    expect(step.script).toContain("{ $cfg.SetTcpipNetbios(2) }");
    expect(step.script).toContain("{ $cfg.SetWINSServer('192.168.1.5', '192.168.1.6') }");
    const netsh = (await parsePowerShell(step.script)).commands.filter((c) => /netsh/i.test(c.name));
    // The prefix length read from NSI goes with the address.
    expect(netsh.map((c) => c.args)).toEqual(["interface ipv6 add address ('interface=' + $nic.InterfaceIndex) 'address=2001:db8::10/48' 'store=persistent' 2>&1"]);
  });

  it("an IPv6-only adapter moves too: no IPv4 WMI call, netsh for the address with its prefix", async () => {
    const tcpip: Tcpip = { ...old.tcpip, dhcp: true, addresses: [], gateways: [], dnsServers: [], domain: null, registrationEnabled: null, registerAdapterName: null, netbios: null, nsi: { ...old.tcpip.nsi, ipv6: [{ luid: "x", address: "2001:db8:99::5", prefixLength: 60, valueName: "v", dataHex: "" }] } };
    const step = moveStaticIpStep({ tcpip, mac: "AA-BB-CC-DD-EE-FF" });
    const parsed = await parsePowerShell(step.script);
    expect(parsed.errors).toEqual([]);
    expect(parsed.methods.filter((m) => /^(Enable|Set)/.test(m))).toEqual([]);
    expect(parsed.commands.filter((c) => /netsh/i.test(c.name)).map((c) => c.args)).toEqual(["interface ipv6 add address ('interface=' + $nic.InterfaceIndex) 'address=2001:db8:99::5/60' 'store=persistent' 2>&1"]);
    expect(step.title).toBe("Static IP 2001:db8:99::5/60 on the new NIC (AA-BB-CC-DD-EE-FF)");
  });

  it("rejects what it cannot move", () => {
    expect(() => moveStaticIpStep({ tcpip: { ...old.tcpip, addresses: [] } })).toThrow(/no static IPv4 or IPv6 address/);
    expect(() => moveStaticIpStep({ tcpip: { ...old.tcpip, addresses: [{ address: "10.0.0.1", mask: null }] } })).toThrow(PlanError);
    expect(() => moveStaticIpStep({ tcpip: { ...old.tcpip, addresses: [{ address: "10.0.0.1'; Remove-Item C:\\ -Recurse; '", mask: "255.0.0.0" }] } })).toThrow(/not an IPv4 address/);
    expect(() => moveStaticIpStep({ tcpip: old.tcpip, mac: "00:11:22:33:44" })).toThrow(/not a MAC address/);
    expect(() => moveStaticIpStep({ tcpip: old.tcpip, waitSeconds: 100000 })).toThrow(PlanError);
  });
});

describe("MAC notation", () => {
  it("every notation of the same 48 bits gives the WMI form", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.constantFrom(":", "-", ""), fc.boolean(), (bytes, sep, upper) => {
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0"));
        const text = hex.join(sep);
        const wmi = hex.join(":").toUpperCase();
        expect(normalizeMac(upper ? text.toUpperCase() : text)).toBe(wmi);
      }),
    );
  });
});

describe("remove ghost devices", () => {
  it("default classes Net, SCSIAdapter, HDC by GUID; System only for the old vendors' PCI ids", async () => {
    const step = removeGhostDevicesStep({ oldPciVendors: ["103c", "PCI\\VEN_14E4"] });
    const a = assignments(step.script);
    expect(a.classNames).toBe("@('Net','SCSIAdapter','HDC')");
    expect(a.classGuids).toBe("@('{4d36e972-e325-11ce-bfc1-08002be10318}','{4d36e97b-e325-11ce-bfc1-08002be10318}','{4d36e96a-e325-11ce-bfc1-08002be10318}')");
    expect(a.vendorPrefixes).toBe("@('PCI\\VEN_103C&','PCI\\VEN_14E4&')");
    expect(a.keepPrefixes).toContain("'ROOT\\'");
    expect(a.keepPrefixes).toContain("'SWD\\'");
    expect(a.keepPrefixes).toContain("'STORAGE\\VOLUMESNAPSHOT'");
    expect(a.neverGuids).toContain("{8ecc055d-047f-11d1-a537-0000f8753ed1}");
    const parsed = await parsePowerShell(step.script);
    expect(parsed.errors).toEqual([]);
    // pnputil from Windows 10 2004 (build 19041), SetupAPI before; Enum is only read.
    expect(step.script).toContain("$useSetupApi = $build -lt 19041");
    expect(parsed.commands.find((c) => /pnputil/i.test(c.name))?.args).toBe("/remove-device $g.Id 2>&1");
    expect(parsed.methods).toContain("Remove");
    expect(parsed.commands.filter((c) => /^Remove-Item/i.test(c.name))).toEqual([]);
    expect(step.script).toContain("[int]$d.ConfigManagerErrorCode -ne 45");
    expect(step.title).toBe("Remove non-present devices (Net, SCSIAdapter, HDC, System of PCI 103C/14E4)");
  });

  it("chosen classes; unknown classes and bad vendor ids are refused", () => {
    expect(assignments(removeGhostDevicesStep({ classes: ["net", "DiskDrive"] }).script).classNames).toBe("@('Net','DiskDrive')");
    expect(() => removeGhostDevicesStep({ classes: ["LegacyDriver"] })).toThrow(/not removable/);
    expect(() => removeGhostDevicesStep({ oldPciVendors: ["HP"] })).toThrow(/not a PCI vendor id/);
  });
});

describe("network stack and TCP", () => {
  it("winsock and int ip reset with netsh, restart requested with 3010", async () => {
    const step = resetNetworkStackStep();
    const cmds = (await parsePowerShell(step.script)).commands.filter((c) => /netsh/i.test(c.name)).map((c) => c.args);
    expect(cmds).toEqual(["winsock reset 2>&1", "int ip reset $log 2>&1"]);
    expect(step.script.trimEnd().endsWith("exit 3010")).toBe(true);
    expect((await parsePowerShell(resetNetworkStackStep({ tcpip: false }).script)).commands.filter((c) => /netsh/i.test(c.name)).map((c) => c.args)).toEqual(["winsock reset 2>&1"]);
    expect(() => resetNetworkStackStep({ winsock: false, tcpip: false })).toThrow(PlanError);
  });

  it("autotuning level", () => {
    expect(tcpAutotuningStep("highlyrestricted").script).toContain("netsh int tcp set global autotuninglevel=highlyrestricted\r\n");
    expect(() => tcpAutotuningStep("fast" as never)).toThrow(/autotuning level/);
  });
});

describe("adapter advanced keywords", () => {
  it("offload off, jumbo 9014, interrupt moderation off, only where the driver offers them", async () => {
    expect(adapterKeywords({ offload: false, jumboPacket: 9014, interruptModeration: false })).toEqual([
      ["*IPChecksumOffloadIPv4", "0"],
      ["*TCPChecksumOffloadIPv4", "0"],
      ["*TCPChecksumOffloadIPv6", "0"],
      ["*UDPChecksumOffloadIPv4", "0"],
      ["*UDPChecksumOffloadIPv6", "0"],
      ["*LsoV1IPv4", "0"],
      ["*LsoV2IPv4", "0"],
      ["*LsoV2IPv6", "0"],
      ["*JumboPacket", "9014"],
      ["*InterruptModeration", "0"],
    ]);
    const step = adapterAdvancedStep({ mac: "00:15:5d:00:00:01", settings: { jumboPacket: 4088, keywords: { "*RSS": "1" } } });
    const a = assignments(step.script);
    expect(a.names).toBe("@('*JumboPacket','*RSS')");
    expect(a.values).toBe("@('4088','1')");
    expect(step.script).toContain("if (-not (Test-Path -Path ($classKey + '\\Ndi\\Params\\' + $name)))");
    expect((await parsePowerShell(step.script)).methods).toEqual(expect.arrayContaining(["Disable", "Enable"]));
    expect(() => adapterKeywords({})).toThrow(PlanError);
    expect(() => adapterKeywords({ keywords: { "bad'name": "1" } })).toThrow(PlanError);
    expect(() => adapterKeywords({ jumboPacket: 100 })).toThrow(PlanError);
  });
});

describe("uninstall vendor agents", () => {
  it("MSI products are removed quietly by product code; others run as recorded, quiet first", () => {
    expect(uninstallCommand({ name: "x", uninstallString: "MsiExec.exe /I{6a8c5f52-5d43-4f0f-8e6a-2d7d7a5b0c11}" })).toBe("MsiExec.exe /X{6A8C5F52-5D43-4F0F-8E6A-2D7D7A5B0C11} /qn /norestart");
    expect(uninstallCommand({ name: "x", uninstallString: '"C:\\Windows\\System32\\msiexec.exe" /X {6a8c5f52-5d43-4f0f-8e6a-2d7d7a5b0c11}' })).toBe("MsiExec.exe /X{6A8C5F52-5D43-4F0F-8E6A-2D7D7A5B0C11} /qn /norestart");
    expect(uninstallCommand({ name: "x", uninstallString: "a.exe", quietUninstallString: "a.exe /S" })).toBe("a.exe /S");
    expect(() => uninstallCommand({ name: "x" })).toThrow(/no UninstallString/);
    expect(() => uninstallCommand({ name: "x", uninstallString: "a\r\nformat c:" })).toThrow(PlanError);
  });

  it("the cmd step treats 1605 (not installed) as done and passes 3010 on", () => {
    const step = uninstallStep({ name: "HP Insight Agents", uninstallString: '"C:\\hp\\uninst.exe" /s' });
    expect(step).toMatchObject({ id: "uninstall-hp-insight-agents", shell: "cmd", retries: 0 });
    expect(step.script.split("\r\n")).toEqual(["@echo off", 'echo running: "C:\\hp\\uninst.exe" /s', '"C:\\hp\\uninst.exe" /s', "set rc=%ERRORLEVEL%", 'if "%rc%"=="1605" exit /b 0', "exit /b %rc%"]);
  });
});

describe("user steps", () => {
  it("passed through with defaults, checked like the others", () => {
    expect(userStep({ id: "x", shell: "cmd", script: "echo a\necho b" })).toMatchObject({ fixup: "user", title: "x", script: "echo a\r\necho b", timeoutSeconds: 600, retries: 0 });
    expect(() => userStep({ id: "x y", shell: "powershell", script: "1" })).toThrow(PlanError);
    expect(() => userStep({ id: "x", shell: "bash" as never, script: "1" })).toThrow(/shell must be/);
  });

  it("psString keeps any text one literal (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (s) => {
        const parsed = await parsePowerShell(`$v = ${psString(s.replace(/\u0000/g, ""))}\r\nWrite-Output $v`);
        expect(parsed.errors).toEqual([]);
        expect(parsed.commands.map((c) => c.name)).toEqual(["Write-Output"]);
      }),
      { numRuns: 150 },
    );
  });
});
