/**
 * The one door from other layers into regf's internals (cells, keys, names, values, the
 * editor, recovery). The public library surface is index.ts; what is listed here may change
 * with regf itself, and test/structure/layers.test.ts keeps every other import out.
 */
export { filetimeToDate, hasRegfSignature } from "./base-block.js";
export { type CellSpace, decodeName } from "./cells/cell.js";
export { KeyFlags, NK, nkPosition } from "./cells/nk.js";
export { ValueFlags, VK, vkPosition } from "./cells/vk.js";
export { checkHive, type CheckResult } from "./check/check-hive.js";
export { editHive } from "./edit/admission.js";
export { copyHive } from "./edit/copy.js";
export { type HiveEditor } from "./edit/editor.js";
export { createHive } from "./edit/new-hive.js";
export { saveHiveBytes, saveHiveFile, type SaveResult } from "./edit/save.js";
export { decodedData, jsonExportChunks, jsonKey, jsonValue } from "./export/json-export.js";
export { regExportBytes } from "./export/reg-export.js";
export { findLogNames } from "./find-logs.js";
export { Hive } from "./hive.js";
export { applyRegFile } from "./import/apply.js";
export { parseRegFile, readRegFileWindows, type RegFile } from "./import/reg-file.js";
export { regFileWindows } from "./import/reg-file-windows.js";
export { looksLikeRegExport, REG_SNIFF_BYTES } from "./import/reg-header.js";
export { NAME_DIFFERENT, RegKey, storedNameOrder, valueNamedAt, vkNameMatch } from "./key.js";
export { recoverHiveStrict } from "./log/recover.js";
export { type LogInput, type RecoveryResult } from "./log/types.js";
export { compareNames, namesEqual, upcaseName, upcaseUnit } from "./names.js";
export { isHiveFile, openHive, openHiveFile, openHiveOnDemand } from "./open.js";
export { dwordAt, multiStringAt, qwordAt, type RegValue, stringAt, typeAt } from "./value.js";
export { RegType, regTypeName, regTypeNumber } from "./value-types.js";
