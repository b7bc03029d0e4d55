/**
 * Issue 12 item 5: before build 19041 ghosts are removed as Device Manager does it, through the
 * class installer (SetupDiSetClassInstallParams with SP_REMOVEDEVICE_PARAMS, Scope
 * DI_REMOVEDEVICE_GLOBAL, then SetupDiCallClassInstaller(DIF_REMOVE)), not by calling the
 * default handler SetupDiRemoveDevice directly (which only class installers should call).
 */
import { describe, expect, it } from "vitest";
import { removeGhostDevicesStep } from "../../src/firstboot/steps/ghost-devices.js";

const script = removeGhostDevicesStep({ oldPciVendors: ["103C"] }).script;
const csharp = script.slice(script.indexOf("Add-Type -TypeDefinition @'"), script.indexOf("'@ -ErrorAction Stop"));

describe("ghost removal before 19041", () => {
  it("sets DIF_REMOVE parameters with global scope, then calls the class installer", () => {
    expect(csharp).toContain("const int DIF_REMOVE = 0x05;");
    expect(csharp).toContain("const int DI_REMOVEDEVICE_GLOBAL = 0x01;");
    expect(csharp).toMatch(/public struct RemoveDeviceParams \{ public int HeaderSize; public int InstallFunction; public int Scope; public int HwProfile; \}/);
    expect(csharp).toContain("p.HeaderSize = 8;");
    expect(csharp).toContain("p.InstallFunction = DIF_REMOVE;");
    expect(csharp).toContain("p.Scope = DI_REMOVEDEVICE_GLOBAL;");
    const setParams = csharp.indexOf("if (!SetupDiSetClassInstallParamsW(set, ref data, ref p, Marshal.SizeOf(typeof(RemoveDeviceParams))))");
    const call = csharp.indexOf("if (!SetupDiCallClassInstaller(DIF_REMOVE, set, ref data))");
    expect(setParams).toBeGreaterThan(0);
    expect(call).toBeGreaterThan(setParams);
  });

  it("no longer calls SetupDiRemoveDevice itself", () => {
    expect(csharp).not.toMatch(/extern bool SetupDiRemoveDevice|SetupDiRemoveDevice\(/);
  });

  it("a removal Windows wants a restart for is reported as 3010, from SetupAPI's flags and from pnputil alike", () => {
    const readFlags = csharp.indexOf("SetupDiGetDeviceInstallParamsW(set, ref data, ref after)");
    expect(readFlags).toBeGreaterThan(csharp.indexOf("if (!SetupDiCallClassInstaller(DIF_REMOVE, set, ref data))"));
    expect(csharp).toContain("(after.Flags & (DI_NEEDRESTART | DI_NEEDREBOOT)) != 0) return ERROR_SUCCESS_REBOOT_REQUIRED;");
    // The step exits 3010 (the runner's ok-reboot) only when nothing failed: a failure wins.
    const failedExit = script.indexOf("if ($failed -gt 0) { exit 1 }");
    const restartExit = script.indexOf("if ($restart) { exit 3010 }");
    expect(failedExit).toBeGreaterThan(0);
    expect(restartExit).toBeGreaterThan(failedExit);
    expect(script).toMatch(/if \(\$code -eq 3010\) \{\s+\$restart = \$true/);
  });
});
