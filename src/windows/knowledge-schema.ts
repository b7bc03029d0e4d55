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

function defineSchemas(zod: typeof Zod) {
  const Category = zod.enum(["management-agent", "storage-driver", "nic-driver", "teaming", "hypervisor-tools", "backup-agent", "antivirus"]);
  const Hypervisor = zod.enum(["hyperv", "vmware", "kvm", "xen", "parallels"]);

  const VendorFile = zod.object({
    sources: zod.record(zod.string(), zod.string()),
    groups: zod.array(
      zod.object({
        vendor: zod.string(),
        category: Category,
        hypervisor: Hypervisor.optional(),
        hardwareBound: zod.boolean(),
        source: zod.string(),
        verified: zod.boolean().default(true),
        services: zod.array(zod.string()).min(1),
      }),
    ),
    teams: zod.array(
      zod.object({
        kind: zod.string(),
        vendor: zod.string(),
        componentIds: zod.array(zod.string()),
        services: zod.array(zod.string()),
        protocols: zod.array(zod.string()),
        source: zod.string(),
        verified: zod.boolean().default(true),
      }),
    ),
  });

  const BootFile = zod.object({
    sources: zod.record(zod.string(), zod.string()),
    targets: zod.record(
      zod.string(),
      zod.object({
        name: zod.string(),
        paths: zod.array(
          zod.object({
            id: zod.string(),
            description: zod.string(),
            drivers: zod.array(zod.string()).min(1),
            hardwareIds: zod.array(zod.string()),
            source: zod.string(),
            controller: zod.string(),
            advice: zod.string(),
            minBuild: zod.number().int().optional(),
            maxBuild: zod.number().int().optional(),
          }),
        ),
        nics: zod
          .array(
            zod.object({
              model: zod.string(),
              services: zod.array(zod.string()).min(1),
              hardwareIds: zod.array(zod.string()),
              vmModels: zod.array(zod.string()),
              inboxFrom: zod.number().int().nullable(),
              inboxVerified: zod.boolean().default(true),
              source: zod.string(),
            }),
          )
          .default([]),
      }),
    ),
    filterClasses: zod.record(zod.string(), zod.string()),
  });

  const NcsiFile = zod.object({
    source: zod.string(),
    publicProbeHosts: zod.array(zod.string()),
    defaultEnableActiveProbing: zod.number(),
  });

  const BuildsFile = zod.object({
    source: zod.string(),
    families: zod.array(zod.object({ minBuild: zod.number(), client: zod.string(), server: zod.string() })),
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
    validateYaml("data/vendor-services.yaml", text, loaded().VendorFile, (file) =>
      unknownSource(file.sources, [...file.groups.map((group) => group.source), ...file.teams.map((team) => team.source)]),
    ),
  "boot-storage.yaml": (text: string): BootFile =>
    validateYaml("data/boot-storage.yaml", text, loaded().BootFile, (file) =>
      unknownSource(file.sources, Object.values(file.targets).flatMap((target) => [...target.paths.map((path) => path.source), ...target.nics.map((nic) => nic.source)])),
    ),
  "ncsi.yaml": (text: string): NcsiFile => validateYaml("data/ncsi.yaml", text, loaded().NcsiFile),
  "windows-builds.yaml": (text: string): BuildsFile => validateYaml("data/windows-builds.yaml", text, loaded().BuildsFile),
};
