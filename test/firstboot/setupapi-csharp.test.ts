/**
 * The SetupAPI C# (data/firstboot/*.cs) compiles with mono's C# compiler, on its own and as
 * the ghost-device step embeds it for Add-Type, with warnings as errors; then a small program
 * checks by reflection the structure sizes and constants setupapi.h gives (sources in the .cs
 * file). Needs mcs and mono (Debian mono-mcs): skipped with a reason without them, required
 * under P2VFIX_INTEROP=required.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TEMPLATE_DIR, templateText } from "../../src/firstboot/render-template.js";
import { removeGhostDevicesStep, SETUPAPI_CSHARP_FILE } from "../../src/firstboot/steps/ghost-devices.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";

const csFiles = readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith(".cs"));

/** What the layout probe prints for a correct P2vfixSetupApi on this runtime's pointer size. */
const PROBE = `using System;
using System.Reflection;
using System.Runtime.InteropServices;
public static class Probe {
  public static void Main() {
    Type api = typeof(P2vfixSetupApi);
    BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
    Console.WriteLine("pointer " + IntPtr.Size);
    Console.WriteLine("SP_DEVINFO_DATA " + Marshal.SizeOf(api.GetNestedType("DevInfoData")));
    Console.WriteLine("SP_REMOVEDEVICE_PARAMS " + Marshal.SizeOf(api.GetNestedType("RemoveDeviceParams")));
    Console.WriteLine("DIF_REMOVE " + api.GetField("DIF_REMOVE", all).GetRawConstantValue());
    Console.WriteLine("DI_REMOVEDEVICE_GLOBAL " + api.GetField("DI_REMOVEDEVICE_GLOBAL", all).GetRawConstantValue());
    Console.WriteLine("SP_DEVINSTALL_PARAMS_W " + Marshal.SizeOf(api.GetNestedType("DevInstallParams")));
    Console.WriteLine("DI_NEEDRESTART " + api.GetField("DI_NEEDRESTART", all).GetRawConstantValue());
    Console.WriteLine("DI_NEEDREBOOT " + api.GetField("DI_NEEDREBOOT", all).GetRawConstantValue());
    foreach (MethodInfo m in api.GetMethods(all)) {
      object[] imports = m.GetCustomAttributes(typeof(DllImportAttribute), false);
      if (imports.Length > 0) Console.WriteLine("import " + ((DllImportAttribute)imports[0]).Value + " " + m.Name);
    }
  }
}
`;

describe.skipIf(!toolsAvailable("mcs", "mono"))("SetupAPI C# compiles (mono mcs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-cs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const compile = (source: string, args: string[]) => {
    const file = join(dir, `src-${Math.random().toString(36).slice(2)}.cs`);
    writeFileSync(file, source);
    return runTool("mcs", ["-warnaserror", ...args, file], { cwd: dir });
  };

  it("finds the C# files", () => {
    expect(csFiles).toEqual([SETUPAPI_CSHARP_FILE]);
  });

  it.each(csFiles)("%s compiles as a library on its own, notes included", (file) => {
    const r = compile(readFileSync(join(TEMPLATE_DIR, file), "utf8"), ["-target:library", `-out:${join(dir, "alone.dll")}`]);
    expect(r.stderr + r.stdout.toString()).not.toMatch(/error|warning/i);
    expect(r.status).toBe(0);
  });

  it("the C# the ghost-device step hands to Add-Type compiles, with the expected layout and imports", () => {
    const script = removeGhostDevicesStep().script;
    const start = script.indexOf("Add-Type -TypeDefinition @'\r\n") + "Add-Type -TypeDefinition @'\r\n".length;
    const embedded = script.slice(start, script.indexOf("\r\n'@ -ErrorAction Stop"));
    expect(embedded).toBe(templateText(SETUPAPI_CSHARP_FILE));
    const dll = join(dir, "setupapi.dll");
    const lib = compile(embedded, ["-target:library", `-out:${dll}`]);
    expect(lib.status, lib.stdout.toString()).toBe(0);
    const exe = join(dir, "probe.exe");
    const probe = compile(PROBE, [`-r:${dll}`, `-out:${exe}`]);
    expect(probe.status, probe.stdout.toString()).toBe(0);
    const run = runTool("mono", [exe], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.toString().trim().split(/\r?\n/);
    const pointer = Number(lines[0].split(" ")[1]);
    // SP_DEVINFO_DATA: DWORD, GUID, DWORD, ULONG_PTR (28 bytes on x86, 32 on x64); SP_REMOVEDEVICE_PARAMS: 8-byte header + 2 DWORDs.
    // SP_DEVINSTALL_PARAMS_W: 3 DWORDs, 5 pointers, a DWORD and WCHAR[260] (556 bytes on x86, 584 on x64).
    expect(lines.slice(1, 8)).toEqual([
      `SP_DEVINFO_DATA ${pointer === 8 ? 32 : 28}`,
      "SP_REMOVEDEVICE_PARAMS 16",
      "DIF_REMOVE 5",
      "DI_REMOVEDEVICE_GLOBAL 1",
      `SP_DEVINSTALL_PARAMS_W ${pointer === 8 ? 584 : 556}`,
      "DI_NEEDRESTART 128",
      "DI_NEEDREBOOT 256",
    ]);
    expect(lines.slice(8).sort()).toEqual([
      "import setupapi.dll SetupDiCallClassInstaller",
      "import setupapi.dll SetupDiCreateDeviceInfoList",
      "import setupapi.dll SetupDiDestroyDeviceInfoList",
      "import setupapi.dll SetupDiGetDeviceInstallParamsW",
      "import setupapi.dll SetupDiOpenDeviceInfoW",
      "import setupapi.dll SetupDiSetClassInstallParamsW",
    ]);
  });

  it("the compiler does reject broken C# (the check can fail)", () => {
    const r = compile(templateText(SETUPAPI_CSHARP_FILE).replace("return 0;", "return 0"), ["-target:library", `-out:${join(dir, "broken.dll")}`]);
    expect(r.status).not.toBe(0);
  });
});
