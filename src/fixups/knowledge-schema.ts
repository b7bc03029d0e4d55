/**
 * The shape of the fixups' own knowledge files under data/fixups (held services, vendor
 * uninstallers) and their validation; every entry must name a source the file defines.
 * zod and yaml are loaded only when a file is validated (src/util/yaml-validation.ts).
 */
import { fileURLToPath } from "node:url";
import type { z as Zod } from "zod";
import { lazyZod, unknownSource, validateYaml } from "../util/yaml-validation.js";

/** This module's file: its hash tells whether a compiled copy was made by this validator. */
export const fixupKnowledgeValidatorFile: string = fileURLToPath(import.meta.url);

function defineSchemas(zod: typeof Zod) {
  const HeldFile = zod.object({
    sources: zod.record(zod.string(), zod.string()),
    services: zod.array(zod.object({ name: zod.string(), group: zod.enum(["windowsUpdate", "network"]), source: zod.string() })),
  });
  const UninstallFile = zod.object({
    sources: zod.record(zod.string(), zod.string()),
    programs: zod.array(zod.object({ vendor: zod.string(), publisher: zod.string(), displayName: zod.string(), source: zod.string() })),
  });
  return { HeldFile, UninstallFile };
}

type Schemas = ReturnType<typeof defineSchemas>;
export type HeldFile = Zod.infer<Schemas["HeldFile"]>;
export type UninstallFile = Zod.infer<Schemas["UninstallFile"]>;

export interface FixupKnowledge {
  held: HeldFile;
  uninstall: UninstallFile;
}

let schemas: Schemas | undefined;
const loaded = (): Schemas => (schemas ??= defineSchemas(lazyZod()));

/** The files, by their name under data/fixups, each with its validator. */
export const fixupKnowledgeValidators = {
  "held-services.yaml": (text: string): HeldFile =>
    validateYaml("data/fixups/held-services.yaml", text, loaded().HeldFile, (file) => unknownSource(file.sources, file.services.map((service) => service.source))),
  "vendor-uninstall.yaml": (text: string): UninstallFile =>
    validateYaml("data/fixups/vendor-uninstall.yaml", text, loaded().UninstallFile, (file) => unknownSource(file.sources, file.programs.map((program) => program.source))),
};
