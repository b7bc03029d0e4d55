/**
 * The shape of the knowledge files under data/ (vendor services, boot storage paths, NCSI
 * defaults, Windows builds) and their validation: `yaml` parses, zod checks. A malformed data
 * file is a bug in the project: the error names the file and the field.
 *
 * zod and yaml are loaded here only when a file is validated (createRequire, synchronous), not
 * when this module is imported: a run whose data files match the build's compiled copy never
 * pays for them (see src/util/compiled-data.ts).
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { z as Zod } from "zod";

/** This module's file: its hash tells whether a compiled copy was made by this validator. */
export const knowledgeValidatorFile: string = fileURLToPath(import.meta.url);

const requireFromHere = createRequire(import.meta.url);

function defineSchemas(z: typeof Zod) {
  const Category = z.enum(["management-agent", "storage-driver", "nic-driver", "teaming", "hypervisor-tools", "backup-agent", "antivirus"]);
  const Hypervisor = z.enum(["hyperv", "vmware", "kvm", "xen", "parallels"]);

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

  const NcsiFile = z.object({
    source: z.string(),
    publicProbeHosts: z.array(z.string()),
    defaultEnableActiveProbing: z.number(),
  });

  const BuildsFile = z.object({
    source: z.string(),
    families: z.array(z.object({ minBuild: z.number(), client: z.string(), server: z.string() })),
  });

  return { Hypervisor, VendorFile, BootFile, NcsiFile, BuildsFile };
}

type Schemas = ReturnType<typeof defineSchemas>;
export type Hypervisor = Zod.infer<Schemas["Hypervisor"]>;
export type VendorFile = Zod.infer<Schemas["VendorFile"]>;
export type BootFile = Zod.infer<Schemas["BootFile"]>;
export type NcsiFile = Zod.infer<Schemas["NcsiFile"]>;
export type BuildsFile = Zod.infer<Schemas["BuildsFile"]>;

export interface Knowledge {
  vendors: VendorFile;
  boot: BootFile;
  ncsi: NcsiFile;
  builds: BuildsFile;
}

let schemas: Schemas | undefined;
let parseYaml: ((text: string) => unknown) | undefined;

function loaded(): { schemas: Schemas; parseYaml: (text: string) => unknown } {
  schemas ??= defineSchemas((requireFromHere("zod") as typeof import("zod")).z);
  parseYaml ??= (requireFromHere("yaml") as typeof import("yaml")).parse;
  return { schemas, parseYaml };
}

/** Every entry must name a source the file defines. */
function unknownSource(sources: Record<string, string>, used: string[]): string | undefined {
  const missing = used.find((s) => !(s in sources));
  return missing === undefined ? undefined : `source "${missing}" is not defined under sources`;
}

function validate<T>(file: string, text: string, schema: Zod.ZodType<T>, parse: (text: string) => unknown, check?: (data: T) => string | undefined): T {
  const result = schema.safeParse(parse(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`data/${file} is invalid at ${issue.path.join(".")}: ${issue.message}`);
  }
  const problem = check?.(result.data);
  if (problem) throw new Error(`data/${file}: ${problem}`);
  return result.data;
}

/** The knowledge files, by their name under data/, each with its validator. */
export const knowledgeValidators = {
  "vendor-services.yaml": (text: string): VendorFile => {
    const { schemas, parseYaml } = loaded();
    return validate("vendor-services.yaml", text, schemas.VendorFile, parseYaml, (d) =>
      unknownSource(d.sources, [...d.groups.map((g) => g.source), ...d.teams.map((t) => t.source)]),
    );
  },
  "boot-storage.yaml": (text: string): BootFile => {
    const { schemas, parseYaml } = loaded();
    return validate("boot-storage.yaml", text, schemas.BootFile, parseYaml, (d) =>
      unknownSource(d.sources, Object.values(d.targets).flatMap((t) => t.paths.map((p) => p.source))),
    );
  },
  "ncsi.yaml": (text: string): NcsiFile => {
    const { schemas, parseYaml } = loaded();
    return validate("ncsi.yaml", text, schemas.NcsiFile, parseYaml);
  },
  "windows-builds.yaml": (text: string): BuildsFile => {
    const { schemas, parseYaml } = loaded();
    return validate("windows-builds.yaml", text, schemas.BuildsFile, parseYaml);
  },
};
