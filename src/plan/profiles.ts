/**
 * Built-in profiles: data/profiles/<name>.yaml, each a description, a source and fixup options
 * (validated against FixupOptionsSchema). A path to a YAML file of the same shape works too.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { PlanError, UsageError } from "../errors.js";
import { FixupOptionsSchema, type FixupOptions, type FixupOptionsInput } from "../fixups/options.js";
import { dataDir } from "../windows/knowledge.js";

const ProfileFile = z.object({ description: z.string(), source: z.string(), options: FixupOptionsSchema }).strict();

export interface Profile {
  name: string;
  description: string;
  source: string;
  options: FixupOptions;
  /** The options as written in the file (before defaults), for merging with the command line. */
  raw: FixupOptionsInput;
}

const profilesDir = join(dataDir, "profiles");

export function profileNames(): string[] {
  return readdirSync(profilesDir).filter((fileName) => fileName.endsWith(".yaml")).map((fileName) => fileName.slice(0, -5)).sort();
}

export function loadProfile(nameOrPath: string): Profile {
  const builtIn = join(profilesDir, `${nameOrPath}.yaml`);
  const path = /^[a-z0-9-]+$/.test(nameOrPath) && existsSync(builtIn) ? builtIn : nameOrPath;
  if (!existsSync(path)) throw new UsageError("unknown-profile", `no profile ${JSON.stringify(nameOrPath)} (built in: ${profileNames().join(", ")}; or give a YAML file)`);
  const raw = parse(readFileSync(path, "utf8")) as { options?: FixupOptionsInput } | null;
  const result = ProfileFile.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PlanError("bad-profile", `profile ${path}: ${issue.path.join(".")}: ${issue.message}`, { path });
  }
  return { name: path === builtIn ? nameOrPath : basename(path), description: result.data.description, source: result.data.source, options: result.data.options, raw: raw?.options ?? {} };
}

/** Profile options with command-line overrides applied, validated again. */
export function resolveOptions(profile: Profile, overrides: FixupOptionsInput): FixupOptions {
  const merged = { ...profile.raw, ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) };
  const result = FixupOptionsSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError("bad-option", `${issue.path.join(".")}: ${issue.message}`);
  }
  return result.data;
}
