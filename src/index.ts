/**
 * p2vfix as a library: open a disk image (or a mounted Windows root), read and edit its
 * registry hives, inspect the Windows installation, plan and apply the P2V fixups through the
 * safe write path. The registry layer alone is also available as "p2vfix/regf".
 */
export * from "./errors.js";
export * from "./io/index.js";
export { openImage, openContainer, detectFormat, type DiskImage, type ImageFormat } from "./vdisk/index.js";
export { readPartitionTable, type Partition, type PartitionTable } from "./partition/index.js";
export type { FileSystem, FileInfo } from "./fs/filesystem.js";
export { openNtfs, NtfsVolume } from "./fs/ntfs/volume.js";
export { volumeState, type VolumeState } from "./fs/ntfs/volume-state.js";
export { openFat } from "./fs/fat/index.js";
export { openHostDir } from "./fs/hostdir/index.js";
export { openHive, openHiveFile, Hive, RegKey, RegValue, RegType } from "./regf/index.js";
export { openTarget, locateWindows, openHiveSource, type OpenedTarget, type WindowsInstallation } from "./image/index.js";
export { loadWindows, buildModel, inspectWindows, type WindowsModel } from "./windows/index.js";
export { openVmConfig } from "./vmconfig/index.js";
export type { Change, RegistryChange, FirstBootStep, VmLinkChange, RegData } from "./changes/change.js";
export { writeHivesInImage, undoApply } from "./apply/index.js";
export { buildPlan, planToYaml, loadPlan, applyPlan, restoreVmLinks } from "./plan/index.js";
export { installRunner, readFirstBootReport } from "./firstboot/index.js";
