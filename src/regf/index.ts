/** Public API of the regf reader ("p2vfix/regf"). */
export { Hive, type HiveOptions, type HiveStats } from "./hive.js";
export { RegKey } from "./key.js";
export { RegValue } from "./value.js";
export { openHive, openHiveFile, type OpenHiveOptions, type OpenHiveFileOptions } from "./open.js";
export { RegType, regTypeName, regTypeNumber, type RegTypeName } from "./value-types.js";
export { compareNames, namesEqual, upcaseName } from "./names.js";
export { KeyFlags } from "./cells/nk.js";
export { filetimeToDate, type BaseBlock } from "./base-block.js";
export type { LogInput, RecoveryResult, AppliedLog, IgnoredLog } from "./log/types.js";
export { exportReg, regExportBytes, regExportChunks, type RegExportOptions, type RegExportBytesOptions } from "./export/reg-export.js";
export { exportJson, jsonExportChunks, type JsonExportOptions } from "./export/json-export.js";
export { RegfError } from "../errors.js";
