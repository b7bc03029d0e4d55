/**
 * The knowledge files under data/ (vendor services, boot storage paths, NCSI defaults,
 * Windows builds), parsed with `yaml` and validated with zod. A malformed data file is a
 * bug in the project: the error names the file and the field.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { NotFoundError } from "../errors.js";

/** data/ sits at the package root, two levels above both src/windows and dist/windows. */
export const dataDir: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../data");

const Category = z.enum(["management-agent", "storage-driver", "nic-driver", "teaming", "hypervisor-tools", "backup-agent", "antivirus"]);
export const Hypervisor = z.enum(["hyperv", "vmware", "kvm", "xen", "parallels"]);
export type Hypervisor = z.infer<typeof Hypervisor>;

const VendorFile = z.object({
  sources: z.record(z.string(), z.string()),
  groups: z.array(
    z.object({
      vendor: z.string(),
      category: Category,
      hypervisor: Hypervisor.optional(),
      hardwareBound: z.boolean(),
      source: z.string(),
      verified: z.boolean().default(true),
      services: z.array(z.string()).min(1),
    }),
  ),
  teams: z.array(
    z.object({
      kind: z.string(),
      vendor: z.string(),
      componentIds: z.array(z.string()),
      services: z.array(z.string()),
      protocols: z.array(z.string()),
      source: z.string(),
      verified: z.boolean().default(true),
    }),
  ),
});
export type VendorFile = z.infer<typeof VendorFile>;

const BootFile = z.object({
  sources: z.record(z.string(), z.string()),
  targets: z.record(
    z.string(),
    z.object({
      name: z.string(),
      paths: z.array(
        z.object({
          id: z.string(),
          description: z.string(),
          drivers: z.array(z.string()).min(1),
          hardwareIds: z.array(z.string()),
          source: z.string(),
        }),
      ),
    }),
  ),
  filterClasses: z.record(z.string(), z.string()),
});
export type BootFile = z.infer<typeof BootFile>;

const NcsiFile = z.object({
  source: z.string(),
  publicProbeHosts: z.array(z.string()),
  defaultEnableActiveProbing: z.number(),
});
export type NcsiFile = z.infer<typeof NcsiFile>;

const BuildsFile = z.object({
  source: z.string(),
  families: z.array(z.object({ minBuild: z.number(), client: z.string(), server: z.string() })),
});
export type BuildsFile = z.infer<typeof BuildsFile>;

function load<T>(file: string, schema: z.ZodType<T>, check?: (data: T) => string | undefined): T {
  const path = join(dataDir, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new NotFoundError("data-file-missing", `knowledge file ${file} not found`, { path, cause });
  }
  const result = schema.safeParse(parse(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`data/${file} is invalid at ${issue.path.join(".")}: ${issue.message}`);
  }
  const problem = check?.(result.data);
  if (problem) throw new Error(`data/${file}: ${problem}`);
  return result.data;
}

export interface Knowledge {
  vendors: VendorFile;
  boot: BootFile;
  ncsi: NcsiFile;
  builds: BuildsFile;
}

let cached: Knowledge | undefined;

/** Every entry must name a source the file defines. */
function unknownSource(sources: Record<string, string>, used: string[]): string | undefined {
  const missing = used.find((s) => !(s in sources));
  return missing === undefined ? undefined : `source "${missing}" is not defined under sources`;
}

export function knowledge(): Knowledge {
  cached ??= {
    vendors: load("vendor-services.yaml", VendorFile, (d) =>
      unknownSource(d.sources, [...d.groups.map((g) => g.source), ...d.teams.map((t) => t.source)]),
    ),
    boot: load("boot-storage.yaml", BootFile, (d) =>
      unknownSource(d.sources, Object.values(d.targets).flatMap((t) => t.paths.map((p) => p.source))),
    ),
    ncsi: load("ncsi.yaml", NcsiFile),
    builds: load("windows-builds.yaml", BuildsFile),
  };
  return cached;
}
