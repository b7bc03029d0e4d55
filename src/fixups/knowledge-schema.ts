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

function defineSchemas(z: typeof Zod) {
  const HeldFile = z.object({
    sources: z.record(z.string(), z.string()),
    services: z.array(z.object({ name: z.string(), group: z.enum(["windowsUpdate", "network"]), source: z.string() })),
  });
  const UninstallFile = z.object({
    sources: z.record(z.string(), z.string()),
    programs: z.array(z.object({ vendor: z.string(), publisher: z.string(), displayName: z.string(), source: z.string() })),
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
    validateYaml("data/fixups/held-services.yaml", text, loaded().HeldFile, (d) => unknownSource(d.sources, d.services.map((service) => service.source))),
  "vendor-uninstall.yaml": (text: string): UninstallFile =>
    validateYaml("data/fixups/vendor-uninstall.yaml", text, loaded().UninstallFile, (d) => unknownSource(d.sources, d.programs.map((program) => program.source))),
};
