/**
 * Realistic generated scripts for the tests: every step generator fed from the scenario
 * fixtures' models (HP ProLiant 2012 R2 with a static IP, Server 2019) plus the runner itself.
 */
import { join } from "node:path";
import type { FirstBootStep } from "../../src/changes/change.js";
import { PNP_SETTLE_SCRIPT, PROCESS_SWEEP_SCRIPT, STEP_SUPERVISOR } from "../../src/firstboot/child-scripts.js";
import { bootstrapScript, runnerScript, STEP_LOADER } from "../../src/firstboot/runner-script.js";
import { adapterAdvancedStep } from "../../src/firstboot/steps/adapter-advanced.js";
import { removeGhostDevicesStep } from "../../src/firstboot/steps/ghost-devices.js";
import { resetNetworkStackStep, tcpAutotuningStep } from "../../src/firstboot/steps/network-stack.js";
import { moveStaticIpStep } from "../../src/firstboot/steps/static-ip.js";
import { uninstallStep } from "../../src/firstboot/steps/uninstall.js";
import { userStep } from "../../src/firstboot/steps/user-step.js";
import { buildModel, type WindowsModel } from "../../src/windows/model.js";
import { loadWindows } from "../../src/windows/load.js";
import type { Adapter, Tcpip } from "../../src/windows/schema.js";

export const scenarioDir = (name: string): string => join(import.meta.dirname, "..", "fixtures", "scenarios", name);

export function scenario(name: string): { model: WindowsModel; hives: ReturnType<typeof loadWindows>["hives"] } {
  const loaded = loadWindows(scenarioDir(name));
  try {
    return { model: buildModel(loaded.hives), hives: loaded.hives };
  } finally {
    loaded.close();
  }
}

/** The scenario's adapter with a static address (the old NIC whose configuration moves). */
export function staticAdapter(model: WindowsModel): Adapter & { tcpip: Tcpip } {
  const a = model.network.adapters.find((x) => x.tcpip?.hasStaticAddress && x.tcpip.gateways.length > 0) ?? model.network.adapters.find((x) => x.tcpip?.hasStaticAddress);
  if (!a || !a.tcpip) throw new Error("scenario has no static adapter");
  return a as Adapter & { tcpip: Tcpip };
}

export function sampleSteps(): FirstBootStep[] {
  const { model } = scenario("hp-proliant-2012r2");
  const old = staticAdapter(model);
  const oldIds = model.network.adapters.map((a) => a.deviceInstanceId ?? a.pnpInstanceId).filter((x): x is string => !!x);
  return [
    resetNetworkStackStep(),
    moveStaticIpStep({ tcpip: old.tcpip, mac: "00-15-5d-01-0a-02", oldDeviceIds: oldIds, ipv6: [{ address: "2001:db8:10::40", prefixLength: 64 }] }),
    { ...moveStaticIpStep({ tcpip: old.tcpip, oldDeviceIds: oldIds }), id: "move-static-ip-by-new" },
    removeGhostDevicesStep({ oldPciVendors: ["103C", "PCI\\VEN_14E4"] }),
    tcpAutotuningStep("normal"),
    adapterAdvancedStep({ mac: "00:15:5D:01:0A:02", settings: { offload: false, jumboPacket: 9014, interruptModeration: false } }),
    uninstallStep({ name: "{6A8C5F52-5D43-4F0F-8E6A-2D7D7A5B0C11}", displayName: "HP Insight Management Agents", uninstallString: "MsiExec.exe /I{6a8c5f52-5d43-4f0f-8e6a-2d7d7a5b0c11}" }),
    uninstallStep({ name: "HPSUM", uninstallString: '"C:\\Program Files\\HP\\hpsum\\uninstall.exe" /s' }),
    userStep({ id: "hello", shell: "powershell", script: "Write-Output 'it''s alive'\nexit 0" }),
    userStep({ id: "cmd-hello", shell: "cmd", script: "echo hello\nexit /b 0" }),
    // Everything a multi-NIC server carries: IPv6 with prefix, gateway and DNS, routes, the connection name.
    moveStaticIpStep({
      id: "move-static-ip-2",
      tcpip: { ...old.tcpip, registerAdapterName: 1 },
      mac: "00:15:5d:01:0a:03",
      ipv6: [{ address: "2001:db8:20::40", prefixLength: 56 }, { address: "fd00::40", prefixLength: null }],
      ipv6Gateways: ["2001:db8:20::1"],
      ipv6Dns: ["2001:db8:20::53", "2001:db8:20::54"],
      routes: [
        { destination: "10.50.0.0", mask: "255.255.0.0", gateway: "10.20.30.254", metric: 10 },
        { destination: "172.16.0.0", mask: "255.240.0.0", gateway: "10.20.30.253", metric: null },
      ],
      connectionName: "Production Team's NIC",
    }),
  ];
}

/** Every PowerShell text p2vfix generates, by name. */
export function generatedPowerShell(): [string, string][] {
  return [
    ["bootstrap(setup)", bootstrapScript("setup")],
    ["bootstrap(service)", bootstrapScript("service")],
    ["runner", runnerScript()],
    ["step loader", STEP_LOADER],
    ["step supervisor", STEP_SUPERVISOR],
    ["pnp settle", PNP_SETTLE_SCRIPT],
    ["process sweep", PROCESS_SWEEP_SCRIPT],
    ...sampleSteps()
      .filter((s) => s.shell === "powershell")
      .map((s): [string, string] => [`step ${s.id}`, s.script]),
  ];
}
