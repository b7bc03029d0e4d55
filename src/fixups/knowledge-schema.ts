/**
 * The shape of the fixups' own knowledge files under data/fixups (held services, vendor
 * uninstallers) and their validation; every entry must name a source the file defines.
 * zod and yaml are loaded only when a file is validated (see src/windows/knowledge-schema.ts).
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { z as Zod } from "zod";

/** This module's file: its hash tells whether a compiled copy was made by this validator. */
export const fixupKnowledgeValidatorFile: string = fileURLToPath(import.meta.url);

const requireFromHere = createRequire(import.meta.url);

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
let parseYaml: ((text: string) => unknown) | undefined;

function loaded(): { schemas: Schemas; parseYaml: (text: string) => unknown } {
  schemas ??= defineSchemas((requireFromHere("zod") as typeof import("zod")).z);
  parseYaml ??= (requireFromHere("yaml") as typeof import("yaml")).parse;
  return { schemas, parseYaml };
}

function validate<T extends { sources: Record<string, string> }>(file: string, text: string, schema: Zod.ZodType<T>, parse: (text: string) => unknown, sourcesOf: (d: T) => string[]): T {
  const result = schema.safeParse(parse(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`data/fixups/${file} is invalid at ${issue.path.join(".")}: ${issue.message}`);
  }
  const missing = sourcesOf(result.data).find((s) => !(s in result.data.sources));
  if (missing !== undefined) throw new Error(`data/fixups/${file}: source "${missing}" is not defined under sources`);
  return result.data;
}

/** The files, by their name under data/fixups, each with its validator. */
export const fixupKnowledgeValidators = {
  "held-services.yaml": (text: string): HeldFile => {
    const { schemas, parseYaml } = loaded();
    return validate("held-services.yaml", text, schemas.HeldFile, parseYaml, (d) => d.services.map((s) => s.source));
  },
  "vendor-uninstall.yaml": (text: string): UninstallFile => {
    const { schemas, parseYaml } = loaded();
    return validate("vendor-uninstall.yaml", text, schemas.UninstallFile, parseYaml, (d) => d.programs.map((p) => p.source));
  },
};
