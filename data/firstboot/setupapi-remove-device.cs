// p2vfix: removes one device as Device Manager does, through its class installer (DIF_REMOVE),
// for the remove-ghost-devices step before build 19041 (remove-ghost-devices.ps1 loads it with
// Add-Type). These leading // lines are notes, not part of the rendered source.
// Facts (Microsoft Learn, setupapi.h):
// - SP_CLASSINSTALL_HEADER { DWORD cbSize; DI_FUNCTION InstallFunction; }, cbSize =
//   sizeof(SP_CLASSINSTALL_HEADER) = 8 even inside a larger parameter structure:
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/ns-setupapi-sp_classinstall_header
// - SP_REMOVEDEVICE_PARAMS { header; DWORD Scope; DWORD HwProfile; } (16 bytes), Scope
//   DI_REMOVEDEVICE_GLOBAL = 0x00000001 (all hardware profiles), HwProfile 0 = current:
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/ns-setupapi-sp_removedevice_params
// - SetupDiSetClassInstallParamsW(HDEVINFO, PSP_DEVINFO_DATA, PSP_CLASSINSTALL_HEADER, DWORD size):
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/nf-setupapi-setupdisetclassinstallparamsw
// - SetupDiCallClassInstaller(DI_FUNCTION, HDEVINFO, PSP_DEVINFO_DATA), DIF_REMOVE = 0x00000005:
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/nf-setupapi-setupdicallclassinstaller
// - SetupDiOpenDeviceInfoW(HDEVINFO, PCWSTR id, HWND, DWORD flags, PSP_DEVINFO_DATA) with
//   cbSize = sizeof(SP_DEVINFO_DATA) (28 bytes on x86, 32 on x64: Marshal.SizeOf):
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/nf-setupapi-setupdiopendeviceinfow
// - SetupDiRemoveDevice is only the default DIF_REMOVE handler; applications call the class installer:
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/nf-setupapi-setupdiremovedevice
// - SP_DEVINSTALL_PARAMS_W { DWORD cbSize, Flags, FlagsEx; HWND hwndParent; PSP_FILE_CALLBACK
//   InstallMsgHandler; PVOID InstallMsgHandlerContext; HSPFILEQ FileQueue; ULONG_PTR
//   ClassInstallReserved; DWORD Reserved; WCHAR DriverPath[MAX_PATH = 260]; } (556 bytes on x86,
//   584 on x64); after a DIF request its Flags carry DI_NEEDRESTART 0x00000080 and DI_NEEDREBOOT
//   0x00000100 when the change needs a restart, which Remove reports as 3010 as pnputil does:
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/ns-setupapi-sp_devinstall_params_w
//   https://learn.microsoft.com/en-us/windows/win32/api/setupapi/nf-setupapi-setupdigetdeviceinstallparamsw
// Compiled in the tests with mono's mcs (test/firstboot/setupapi-csharp.test.ts).
using System;
using System.Runtime.InteropServices;
public static class P2vfixSetupApi {
  [StructLayout(LayoutKind.Sequential)]
  public struct DevInfoData { public int Size; public Guid ClassGuid; public int DevInst; public IntPtr Reserved; }
  [StructLayout(LayoutKind.Sequential)]
  public struct RemoveDeviceParams { public int HeaderSize; public int InstallFunction; public int Scope; public int HwProfile; }
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  public struct DevInstallParams {
    public int Size; public int Flags; public int FlagsEx; public IntPtr HwndParent; public IntPtr InstallMsgHandler;
    public IntPtr InstallMsgHandlerContext; public IntPtr FileQueue; public UIntPtr ClassInstallReserved; public int Reserved;
    [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)] public string DriverPath;
  }
  const int DIF_REMOVE = 0x05;
  const int DI_REMOVEDEVICE_GLOBAL = 0x01;
  const int DI_NEEDRESTART = 0x80;
  const int DI_NEEDREBOOT = 0x100;
  const int ERROR_SUCCESS_REBOOT_REQUIRED = 3010;
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern IntPtr SetupDiCreateDeviceInfoList(IntPtr classGuid, IntPtr parent);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiOpenDeviceInfoW(IntPtr set, string instanceId, IntPtr parent, int flags, ref DevInfoData data);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiSetClassInstallParamsW(IntPtr set, ref DevInfoData data, ref RemoveDeviceParams parameters, int size);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiCallClassInstaller(int installFunction, IntPtr set, ref DevInfoData data);
  [DllImport("setupapi.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool SetupDiGetDeviceInstallParamsW(IntPtr set, ref DevInfoData data, ref DevInstallParams parameters);
  [DllImport("setupapi.dll", SetLastError = true)]
  static extern bool SetupDiDestroyDeviceInfoList(IntPtr set);
  public static int Remove(string instanceId) {
    IntPtr set = SetupDiCreateDeviceInfoList(IntPtr.Zero, IntPtr.Zero);
    if (set == new IntPtr(-1)) return Marshal.GetLastWin32Error();
    try {
      DevInfoData data = new DevInfoData();
      data.Size = Marshal.SizeOf(typeof(DevInfoData));
      if (!SetupDiOpenDeviceInfoW(set, instanceId, IntPtr.Zero, 0, ref data)) return Marshal.GetLastWin32Error();
      RemoveDeviceParams p = new RemoveDeviceParams();
      p.HeaderSize = 8;
      p.InstallFunction = DIF_REMOVE;
      p.Scope = DI_REMOVEDEVICE_GLOBAL;
      p.HwProfile = 0;
      if (!SetupDiSetClassInstallParamsW(set, ref data, ref p, Marshal.SizeOf(typeof(RemoveDeviceParams)))) return Marshal.GetLastWin32Error();
      if (!SetupDiCallClassInstaller(DIF_REMOVE, set, ref data)) return Marshal.GetLastWin32Error();
      // The device is gone; only whether Windows asks for a restart is left to learn, so a
      // failure to read the parameters still counts as removed.
      DevInstallParams after = new DevInstallParams();
      after.Size = Marshal.SizeOf(typeof(DevInstallParams));
      if (SetupDiGetDeviceInstallParamsW(set, ref data, ref after) && (after.Flags & (DI_NEEDRESTART | DI_NEEDREBOOT)) != 0) return ERROR_SUCCESS_REBOOT_REQUIRED;
      return 0;
    } finally {
      SetupDiDestroyDeviceInfoList(set);
    }
  }
}
