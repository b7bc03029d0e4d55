/**
 * The shape of the knowledge files under data/ (vendor services, boot storage paths, NCSI
 * defaults, Windows builds) and their validation: `yaml` parses, zod checks. A malformed data
 * file is a bug in the project: the error names the file and the field.
 *
 * zod and yaml are loaded only when a file is validated (src/util/yaml-validation.ts): a run
 * whose data files match the build's compiled copy never pays for them (src/util/compiled-data.ts).
 */
import { fileURLToPath } from "node:url";
import type { z as Zod } from "zod";
import { lazyZod, unknownSource, validateYaml } from "../util/yaml-validation.js";

/** This module's file: its hash tells whether a compiled copy was made by this validator. */
export const knowledgeValidatorFile: string = fileURLToPath(import.meta.url);

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
            controller: z.string(),
            advice: z.string(),
            minBuild: z.number().int().optional(),
            maxBuild: z.number().int().optional(),
          }),
        ),
        nics: z
          .array(
            z.object({
              model: z.string(),
              services: z.array(z.string()).min(1),
              hardwareIds: z.array(z.string()),
              vmModels: z.array(z.string()),
              inboxFrom: z.number().int().nullable(),
              inboxVerified: z.boolean().default(true),
              source: z.string(),
            }),
          )
          .default([]),
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
const loaded = (): Schemas => (schemas ??= defineSchemas(lazyZod()));

/** The knowledge files, by their name under data/, each with its validator. */
export const knowledgeValidators = {
  "vendor-services.yaml": (text: string): VendorFile =>
    validateYaml("data/vendor-services.yaml", text, loaded().VendorFile, (d) =>
      unknownSource(d.sources, [...d.groups.map((group) => group.source), ...d.teams.map((team) => team.source)]),
    ),
  "boot-storage.yaml": (text: string): BootFile =>
    validateYaml("data/boot-storage.yaml", text, loaded().BootFile, (d) =>
      unknownSource(d.sources, Object.values(d.targets).flatMap((t) => [...t.paths.map((path) => path.source), ...t.nics.map((nic) => nic.source)])),
    ),
  "ncsi.yaml": (text: string): NcsiFile => validateYaml("data/ncsi.yaml", text, loaded().NcsiFile),
  "windows-builds.yaml": (text: string): BuildsFile => validateYaml("data/windows-builds.yaml", text, loaded().BuildsFile),
};
