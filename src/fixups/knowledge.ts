/**
 * The fixups' own knowledge files under data/fixups (held services, vendor uninstallers),
 * validated with zod; every entry must name a source the file defines.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { dataDir } from "../windows/knowledge.js";

const HeldFile = z.object({
  sources: z.record(z.string(), z.string()),
  services: z.array(z.object({ name: z.string(), group: z.enum(["windowsUpdate", "network"]), source: z.string() })),
});
const UninstallFile = z.object({
  sources: z.record(z.string(), z.string()),
  programs: z.array(z.object({ vendor: z.string(), publisher: z.string(), displayName: z.string(), source: z.string() })),
});

export type HeldFile = z.infer<typeof HeldFile>;
export type UninstallFile = z.infer<typeof UninstallFile>;

function load<T extends { sources: Record<string, string> }>(file: string, schema: z.ZodType<T>, sourcesOf: (d: T) => string[]): T {
  const path = join(dataDir, "fixups", file);
  const result = schema.safeParse(parse(readFileSync(path, "utf8")));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`data/fixups/${file} is invalid at ${issue.path.join(".")}: ${issue.message}`);
  }
  const missing = sourcesOf(result.data).find((s) => !(s in result.data.sources));
  if (missing !== undefined) throw new Error(`data/fixups/${file}: source "${missing}" is not defined under sources`);
  return result.data;
}

let cached: { held: HeldFile; uninstall: UninstallFile } | undefined;

export function fixupKnowledge(): { held: HeldFile; uninstall: UninstallFile } {
  cached ??= {
    held: load("held-services.yaml", HeldFile, (d) => d.services.map((s) => s.source)),
    uninstall: load("vendor-uninstall.yaml", UninstallFile, (d) => d.programs.map((p) => p.source)),
  };
  return cached;
}
