/**
 * Driver packages written for the tests from the INF documentation, shaped like virtio-win's
 * (DRIVER/OSDIR/ARCH folders, one INF per OS and architecture, server/client product-type
 * decorations) and VMware Tools' (one INF with several decorations). The .sys files are
 * stand-ins whose bytes name their build, so a test can tell which one landed in the image.
 */
import type { HostTree } from "./iso-helpers.js";

export interface StorageInf {
  service: string;
  description: string;
  /** PCI ids, e.g. ["PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"]. */
  ids: string[];
  /** TargetOSVersion decorations of the Models section(s). */
  decorations: string[];
  driverVer?: string;
  /** Replaces the whole text (bad input tests). */
  text?: string;
}

export function storageInf(i: StorageInf): string {
  const models = i.decorations.map((d) => `\r\n[VirtIO.${d}]\r\n%${i.service}.DeviceDesc% = ${i.service}_inst, ${i.ids.join(", ")}\r\n`).join("");
  return `; ${i.service}.inf - written for p2vfix tests from the INF documentation
[Version]
Signature = "$WINDOWS NT$"
Class = SCSIAdapter
ClassGUID = {4D36E97B-E325-11CE-BFC1-08002BE10318}
Provider = %VENDOR%
DriverVer = ${i.driverVer ?? "06/18/2024,100.95.104.26200"}
CatalogFile = ${i.service}.cat
PnpLockdown = 1

[DestinationDirs]
DefaultDestDir = 12
${i.service}_Files_Driver = 12

[SourceDisksNames]
1 = %DiskId1%,,,""

[SourceDisksFiles]
${i.service}.sys = 1,,

[Manufacturer]
%VENDOR% = VirtIO, ${i.decorations.join(", ")}
${models}
[${i.service}_inst]
CopyFiles = ${i.service}_Files_Driver

[${i.service}_inst.HW]
AddReg = ${i.service}_hw_AddReg

[${i.service}_inst.Services]
AddService = ${i.service}, 0x00000002 , ${i.service}_Service_Inst, ${i.service}_EventLog_Inst

[${i.service}_Files_Driver]
${i.service}.sys,,,2

[${i.service}_hw_AddReg]
HKR, "Interrupt Management\\MessageSignaledInterruptProperties", MSISupported, 0x00010001, 1

[${i.service}_Service_Inst]
DisplayName    = %${i.service}.SVCDESC%
ServiceType    = 1               ; %SERVICE_KERNEL_DRIVER%
StartType      = 0               ; %SERVICE_BOOT_START%
ErrorControl   = 1               ; %SERVICE_ERROR_NORMAL%
ServiceBinary  = %12%\\${i.service}.sys
LoadOrderGroup = SCSI miniport
AddReg         = pnpsafe_pci_addreg, \\
                 ${i.service}_parameters

[${i.service}_EventLog_Inst]
AddReg = ${i.service}_EventLog_AddReg

[${i.service}_EventLog_AddReg]
HKR,,EventMessageFile,%REG_EXPAND_SZ%,"%%SystemRoot%%\\System32\\IoLogMsg.dll"
HKR,,TypesSupported,%REG_DWORD%,7

[pnpsafe_pci_addreg]
HKR, "Parameters\\PnpInterface", "5", %REG_DWORD%, 0x00000001
HKR, "Parameters", "BusType", %REG_DWORD%, 0x00000001

[${i.service}_parameters]
HKR, "Parameters\\Device", "PhysicalBreaks", %REG_DWORD%, 0x00000020
HKR, "Parameters", "Note", 0, "a ""quoted"" word; not a comment"

[Strings]
VENDOR = "Test Virtio Vendor"
DiskId1 = "Test VirtIO Driver Disk"
${i.service}.DeviceDesc = "${i.description}"
${i.service}.SVCDESC = "${i.description} Service"
REG_EXPAND_SZ = 0x00020000
REG_DWORD = 0x00010001
`.replace(/\r?\n/g, "\r\n");
}

const VIOSTOR_IDS = ["PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00", "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01"];
const VIOSCSI_IDS = ["PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00", "PCI\\VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01"];

/** virtio-win OS folders → (NT version, product type) of their INF decoration. */
const OS_DIRS: Record<string, { version: string; productType: number; build?: number }> = {
  w7: { version: "6.1", productType: 1 },
  "2k8R2": { version: "6.1", productType: 3 },
  w10: { version: "10.0", productType: 1 },
  "2k16": { version: "10.0", productType: 3, build: 14393 },
  "2k19": { version: "10.0", productType: 3, build: 17763 },
  "2k22": { version: "10.0", productType: 3, build: 20348 },
};

export const sysBytes = (driver: string, os: string, arch: string) => `MZ stand-in ${driver} for ${os}/${arch}\n`;

/** A virtio-win-like tree: viostor and vioscsi for every OS folder and x86/amd64, NetKVM for w10/2k19 amd64. */
export function virtioTree(): HostTree {
  const tree: HostTree = {};
  for (const [os, v] of Object.entries(OS_DIRS)) {
    for (const arch of ["x86", "amd64"]) {
      if (v.productType === 3 && v.version === "10.0" && arch === "x86") continue; // no 32-bit servers since 2008
      const decoration = `NT${arch}.${v.version}.${v.productType}${v.build ? `..${v.build}` : ""}`;
      for (const [driver, ids, desc] of [
        ["viostor", VIOSTOR_IDS, "Red Hat VirtIO SCSI controller"],
        ["vioscsi", VIOSCSI_IDS, "Red Hat VirtIO SCSI pass-through controller"],
      ] as const) {
        // virtio-win carries each package twice: DRIVER/OSDIR/ARCH and ARCH/OSDIR.
        for (const dir of [`${driver}/${os}/${arch}`, `${arch}/${os}`]) {
          tree[`${dir}/${driver}.inf`] = storageInf({ service: driver, description: desc, ids: [...ids], decorations: [decoration] });
          tree[`${dir}/${driver}.sys`] = sysBytes(driver, os, arch);
          tree[`${dir}/${driver}.cat`] = `catalog ${driver} ${os} ${arch}`;
        }
      }
    }
  }
  for (const os of ["w10", "2k19"]) {
    tree[`NetKVM/${os}/amd64/netkvm.inf`] = netInf();
    tree[`NetKVM/${os}/amd64/netkvm.sys`] = sysBytes("netkvm", os, "amd64");
    tree[`NetKVM/${os}/amd64/netkvm.cat`] = "catalog netkvm";
  }
  return tree;
}

/** A network INF (non-boot: staged for Plug and Play). */
export function netInf(): string {
  return `[Version]
Signature = "$WINDOWS NT$"
Class = Net
ClassGUID = {4d36e972-e325-11ce-bfc1-08002be10318}
Provider = %VENDOR%
DriverVer = 06/18/2024,100.95.104.26200
CatalogFile = netkvm.cat

[Manufacturer]
%VENDOR% = NetKVM, NTamd64.10.0

[NetKVM.NTamd64.10.0]
%NetKVM.DeviceDesc% = kvmnet6.ndi, PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00, PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AF4&REV_01

[kvmnet6.ndi]
Characteristics = 0x84
BusType = 5
CopyFiles = kvmnet6.CopyFiles
*IfType = 6

[kvmnet6.ndi.Services]
AddService = netkvm, 2, kvmnet6.Service

[kvmnet6.Service]
DisplayName = %NetKVM.Service.DispName%
ServiceType = 1
StartType = 3
ErrorControl = 1
ServiceBinary = %12%\\netkvm.sys
LoadOrderGroup = NDIS

[kvmnet6.CopyFiles]
netkvm.sys,,,2

[DestinationDirs]
kvmnet6.CopyFiles = 12

[SourceDisksNames]
1 = %DiskId1%,,,""

[SourceDisksFiles]
netkvm.sys = 1,,

[Strings]
VENDOR = "Test Virtio Vendor"
DiskId1 = "Test VirtIO Driver Disk"
NetKVM.DeviceDesc = "Test VirtIO Ethernet Adapter"
NetKVM.Service.DispName = "Test VirtIO Ethernet Adapter Service"
`.replace(/\r?\n/g, "\r\n");
}

/** VMware-Tools-like: one pvscsi INF whose Models sections are chosen by decoration only. */
export function pvscsiTree(): HostTree {
  const ids = ["PCI\\VEN_15AD&DEV_07C0"];
  const text = storageInf({ service: "pvscsi", description: "VMware PVSCSI Controller", ids, decorations: ["NTx86.6.1", "NTamd64.6.1", "NTamd64.10.0...17763"] });
  return { "pvscsi/pvscsi.inf": text, "pvscsi/pvscsi.sys": "MZ stand-in pvscsi\n", "pvscsi/pvscsi.cat": "catalog pvscsi" };
}
