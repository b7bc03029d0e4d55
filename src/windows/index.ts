/** The offline Windows model: public API for the fixups, the CLI and library users. */
export { loadWindows, loadFromFileSystem, driverFilePath, type LoadedWindows, type LoadOptions, type FileSystemLoadOptions } from "./load.js";
export { buildModel, type WindowsModel, type ModelOptions } from "./model.js";
export { inspectWindows, TARGETS } from "./inspect.js";
export { detectFindings, findingRules, FINDING_IDS, type FindingContext, type FindingRule } from "./findings/index.js";
export { registryFromRegFile, MemoryKey } from "./memory-registry.js";
export { readString, readMulti, readDword, type RegistryKey, type RegistryValue, type WindowsHives } from "./registry.js";
export { controlSetName } from "./control-sets.js";
export { overriddenStart, startName } from "./services.js";
export { luidHex, NSI_IPV4, NSI_IPV6 } from "./nsi.js";
export { NET_CLASS } from "./network-adapters.js";
export { renderReport } from "./report-text.js";
export { inspectJsonSchema } from "./json-schema.js";
export { knowledge } from "./knowledge.js";
export * from "./schema.js";
