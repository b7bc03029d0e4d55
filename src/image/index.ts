export { openTarget, type OpenedTarget } from "./open-target.js";
export { Volume, volumeOn, type VolumeKind } from "./volume.js";
export { locateWindows, MACHINE_HIVES, type WindowsInstallation, type BcdStore, type LocateResult } from "./locate-windows.js";
export { openHiveSource, readHiveWithLogs, resolveInnerPath, findFileVolume, chooseInstallation, type OpenedHive, type HiveSourceOptions } from "./hive-source.js";
export { parseTargetSpec, type TargetSpec } from "./target-spec.js";
