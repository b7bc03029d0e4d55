/**
 * Every script p2vfix generates for the first boot, rendered by the current code, by file name:
 * the hook bootstraps and their command lines, the runner, the child scripts, every step kind
 * with realistic options (multi-NIC, IPv6, routes, vendors), user steps full of characters that
 * could break quoting, and the whole install change list (what lands in the registry, steps included).
 * scripts/firstboot-golden.ts writes these to test/firstboot/golden/; golden.test.ts compares.
 */
import type { FirstBootStep } from "../../src/changes/change.js";
import { PNP_SETTLE_SCRIPT, PROCESS_SWEEP_SCRIPT, STEP_SUPERVISOR } from "../../src/firstboot/child-scripts.js";
import { installRunner, serviceImagePath, setupCommandLine } from "../../src/firstboot/install.js";
import { bootstrapScript, runnerScript, STEP_LOADER } from "../../src/firstboot/runner-script.js";
import { adapterAdvancedStep } from "../../src/firstboot/steps/adapter-advanced.js";
import { removeGhostDevicesStep } from "../../src/firstboot/steps/ghost-devices.js";
import { installStagedDriversStep } from "../../src/firstboot/steps/install-drivers.js";
import { resetNetworkStackStep, tcpAutotuningStep } from "../../src/firstboot/steps/network-stack.js";
import { moveStaticIpStep } from "../../src/firstboot/steps/static-ip.js";
import { uninstallStep } from "../../src/firstboot/steps/uninstall.js";
import { userStep } from "../../src/firstboot/steps/user-step.js";
import { sampleSteps, scenario, staticAdapter } from "./samples.js";

/** Text a value could carry to break quoting: every PowerShell and cmd metacharacter, and tag look-alikes. */
const AWKWARD = "it's \u2018odd\u2019 \"q\" 100% $env:PATH `n $(Get-Date) @' '@ {{p2vfix:runner}} ${x} Données 日本 \u{1F600}";

function extraSteps(): FirstBootStep[] {
  const { model } = scenario("hp-proliant-2012r2");
  const old = staticAdapter(model);
  return [
    { ...removeGhostDevicesStep(), id: "ghosts-default" },
    { ...removeGhostDevicesStep({ classes: ["net"], timeoutSeconds: 60, fixup: "x" }), id: "ghosts-net-only" },
    { ...adapterAdvancedStep({ oldDeviceIds: ["PCI\\VEN_8086&DEV_10D3\\3&1", "ROOT\\it's"], waitSeconds: 0, restartAdapter: false, settings: { offload: true, keywords: { "*RSS": "1", VlanID: "10" } } }), id: "adapter-settings-2" },
    { ...resetNetworkStackStep({ tcpip: false }), id: "reset-winsock-only" },
    { ...tcpAutotuningStep("disabled"), id: "tcp-autotuning-off" },
    moveStaticIpStep({
      id: "move-static-ip-awkward",
      tcpip: { ...old.tcpip, domain: "corp.example'; Remove-Item C:\\ #", registrationEnabled: 0, registerAdapterName: null },
      waitSeconds: 3600,
      connectionName: AWKWARD,
      label: AWKWARD,
    }),
    uninstallStep({ name: "Odd %PATH% & <tool> ^ | x", uninstallString: '"C:\\Program Files\\Odd 100%\\un&inst.exe" /S /D=%TEMP%' }),
    userStep({ id: "awkward-ps", title: AWKWARD, shell: "powershell", script: `Write-Output '${AWKWARD.replace(/'/g, "''")}'\n$x = "${"`"}$env:TEMP"\n@'\nhere '' string\n'@\nexit 0` }),
    userStep({ id: "awkward-cmd", title: AWKWARD, shell: "cmd", script: "@echo off\necho 100%% done ^& Données 日本\r\nset x=\"a b\"\nexit /b 0" }),
  ];
}

export function goldenSteps(): FirstBootStep[] {
  return [...sampleSteps(), ...extraSteps()];
}

/** File name → exact text (CRLF kept). */
export function goldenFiles(): Map<string, string> {
  const files = new Map<string, string>();
  files.set("bootstrap-setup.ps1", bootstrapScript("setup"));
  files.set("bootstrap-service.ps1", bootstrapScript("service"));
  files.set("setup-cmdline.txt", setupCommandLine("C:\\Windows"));
  files.set("service-imagepath.txt", serviceImagePath());
  files.set("runner.ps1", runnerScript());
  files.set("step-loader.ps1", STEP_LOADER);
  files.set("step-supervisor.ps1", STEP_SUPERVISOR);
  files.set("pnp-settle.ps1", PNP_SETTLE_SCRIPT);
  files.set("process-sweep.ps1", PROCESS_SWEEP_SCRIPT);
  const steps = goldenSteps();
  for (const step of steps) files.set(`step-${step.id}.${step.shell === "cmd" ? "cmd" : "ps1"}`, step.script);
  // `plan --drivers` adds this step (cli/commands/plan.ts), not a fixup: kept out of the install below.
  files.set("step-drivers-pnputil.ps1", installStagedDriversStep(["NetKVM"]).script);
  const { hives } = scenario("hp-proliant-2012r2");
  const install = installRunner({ system: hives.system, software: hives.software, steps, heldServices: [{ name: "Dhcp", originalStart: 2 }, { name: "NlaSvc", originalStart: 2 }], maxBoots: 5, pnpSettleSeconds: 120, setupDeadlineSeconds: 900 });
  files.set("install.json", JSON.stringify(install, null, 1) + "\n");
  return files;
}
