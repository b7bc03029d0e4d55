/**
 * The plan file (YAML, edited by people): one zod schema, the source of the types, of the
 * loader's checks and of docs/plan-schema.json. Registry entries name their hive as the first
 * path element (SYSTEM\ControlSet001\..., SOFTWARE\...); the control set is already resolved.
 */
import { z } from "zod";
import { FirstBootRunnerOptions, TARGET_HYPERVISORS } from "../fixups/options.js";

export const PLAN_VERSION = 1;

export const HIVES = ["SYSTEM", "SOFTWARE", "DEFAULT", "SAM", "SECURITY", "BCD"] as const;
export const TYPE_NAMES = ["REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY", "REG_NONE"] as const;

const keyPath = z
  .string()
  .regex(/^(SYSTEM|SOFTWARE|DEFAULT|SAM|SECURITY|BCD)\\[^\\]/i, "a key path starting with the hive name, e.g. SYSTEM\\ControlSet001\\Services\\Tcpip")
  .describe("Key path starting with the hive name");

export const RegistryEntry = z
  .object({
    set: keyPath.optional().describe("Set a value in this key (the key is created when missing)"),
    "delete-value": keyPath.optional(),
    "create-key": keyPath.optional(),
    "delete-key": keyPath.optional().describe("Delete this key and everything under it"),
    name: z.string().optional().describe("Value name (\"\" = the default value)"),
    type: z.union([z.enum(TYPE_NAMES), z.number().int().min(0).max(0xffffffff)]).optional(),
    data: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
    reason: z.string().optional(),
    restoreAfterFirstBoot: z.boolean().optional().describe("For the first boot only: the runner puts the original value back at the end (false keeps the change)"),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const ops = (["set", "delete-value", "create-key", "delete-key"] as const).filter((operation) => entry[operation] !== undefined);
    if (ops.length !== 1) {
      ctx.addIssue({ code: "custom", message: `each entry needs exactly one of set, delete-value, create-key, delete-key (found ${ops.length ? ops.join(", ") : "none"})` });
      return;
    }
    const op = ops[0];
    if ((op === "set" || op === "delete-value") && entry.name === undefined) ctx.addIssue({ code: "custom", path: ["name"], message: `${op} needs a value name` });
    if (op === "set") {
      if (entry.type === undefined) ctx.addIssue({ code: "custom", path: ["type"], message: "set needs a type (REG_SZ, REG_DWORD, ...)" });
      if (entry.data === undefined) ctx.addIssue({ code: "custom", path: ["data"], message: "set needs data" });
      if (entry.type !== undefined && entry.data !== undefined) {
        const problem = dataProblem(entry.type, entry.data);
        if (problem) ctx.addIssue({ code: "custom", path: ["data"], message: problem });
      }
    }
  });

/** Why `data` does not fit `type`, or undefined when it does. */
function dataProblem(type: (typeof TYPE_NAMES)[number] | number, data: string | number | string[]): string | undefined {
  switch (type) {
    case "REG_SZ":
    case "REG_EXPAND_SZ":
      return typeof data === "string" ? undefined : `${type} data must be a string`;
    case "REG_MULTI_SZ":
      return Array.isArray(data) ? undefined : "REG_MULTI_SZ data must be a list of strings";
    case "REG_DWORD":
      return typeof data === "number" && Number.isInteger(data) && data >= 0 && data <= 0xffffffff ? undefined : "REG_DWORD data must be an integer from 0 to 4294967295";
    case "REG_QWORD":
      return (typeof data === "number" && Number.isSafeInteger(data) && data >= 0) || (typeof data === "string" && /^\d+$/.test(data) && BigInt(data) < 2n ** 64n)
        ? undefined
        : "REG_QWORD data must be a non-negative integer (a string of digits above 2^53)";
    default:
      return typeof data === "string" && /^([0-9A-Fa-f]{2}[\s,:]?)*$/.test(data.trim()) ? undefined : "data of this type must be hex bytes, e.g. \"01 00 ff\"";
  }
}

export const ServiceEntry = z
  .object({
    service: z.string().min(1),
    start: z.number().int().min(0).max(4).describe("New Start: 0 boot, 1 system, 2 automatic, 3 demand, 4 disabled"),
    originalStart: z.number().int().min(0).max(4).nullable().describe("Start as found in the image (null: absent)"),
    reEnable: z.boolean().default(false).describe("The first-boot runner restores originalStart after its steps"),
    controlSets: z.array(z.string().regex(/^ControlSet\d{3}$/i)).min(1),
    reason: z.string().optional(),
  })
  .strict();

export const StepEntry = z
  .object({
    id: z.string().min(1),
    title: z.string().optional(),
    fixup: z.string().default("user").describe("Fixup that added the step; \"user\" for steps people add"),
    shell: z.enum(["powershell", "cmd"]),
    timeoutSeconds: z.number().int().min(1).default(600),
    retries: z.number().int().min(0).default(0),
    reason: z.string().optional(),
    script: z.string().min(1),
  })
  .strict();

export const FixupEntry = z
  .object({
    id: z.string().min(1),
    title: z.string().optional(),
    enabled: z.boolean().default(true).describe("false: none of this fixup's changes or steps are applied"),
    findings: z.array(z.string()).default([]),
    registry: z.array(RegistryEntry).default([]),
    services: z.array(ServiceEntry).default([]),
    notices: z.array(z.string()).default([]),
  })
  .strict();

export const FileCopyEntry = z
  .object({
    from: z.string().min(1).describe("Host folder whose contents are copied (or one host file); relative paths are from the current folder"),
    to: z.string().min(1).describe("Folder inside the image, e.g. /p2vfix/tools (created when missing; files there are replaced)"),
    reason: z.string().optional(),
  })
  .strict();

export const DriversEntry = z
  .object({
    from: z.string().min(1).describe("Driver source on the host: a virtio-win / VMware Tools ISO, a folder, or one .inf"),
    only: z.array(z.string().min(1)).optional().describe("Only these drivers (virtio-win folder or INF names); default: every driver with a package for the image's Windows"),
    reason: z.string().optional(),
  })
  .strict();

export const PlanFile = z
  .object({
    version: z.literal(PLAN_VERSION),
    source: z.string().describe("What the plan was made from"),
    target: z.enum(TARGET_HYPERVISORS).nullable().default(null),
    profile: z.string().default("p2v-default"),
    windows: z
      .object({ name: z.string().nullable(), build: z.number().nullable(), controlSet: z.string(), computerName: z.string().nullable() })
      .strict()
      .optional()
      .describe("What the plan was made for (information; apply checks the control set)"),
    fixups: z.array(FixupEntry).default([]),
    firstBoot: FirstBootRunnerOptions.extend({ steps: z.array(StepEntry).default([]) })
      .strict()
      .nullable()
      .default(null),
    vm: z
      .object({
        file: z.string().min(1),
        nic: z.object({ index: z.number().int().min(0).optional(), mac: z.string().optional(), all: z.literal(true).optional().describe("Every NIC of the VM (several new NICs)") }).strict(),
        link: z.enum(["down", "up"]).default("down"),
        reason: z.string().optional(),
      })
      .strict()
      .nullable()
      .default(null),
    nics: z
      .array(
        z
          .object({
            adapter: z.string().describe("Old adapter with a static configuration (connection name)"),
            interface: z.string().nullable().describe("Its interface GUID (NetCfgInstanceId)"),
            configuration: z.string().describe("What moves (information)"),
            mac: z.string().nullable().describe("New NIC that takes it; null: the only new adapter (when there is a step) or none"),
            step: z.string().nullable().describe("First-boot step that moves it; null: no new NIC, the configuration is recorded in the image for `report`"),
          })
          .strict(),
      )
      .default([])
      .describe("Old adapter → new NIC. Editing `mac` here changes the NIC its step looks for"),
    notices: z.array(z.string()).default([]),
    files: z.array(FileCopyEntry).optional().describe("Host folders copied into the image's Windows volume at apply (undone by p2vfix undo)"),
    drivers: DriversEntry.optional().describe("Drivers installed offline at apply (p2vfix drivers add; undone by p2vfix undo)"),
    unaddressed: z.array(z.string()).default([]).describe("Findings no fixup addresses (to do by hand)"),
  })
  .strict();

export type RegistryEntry = z.infer<typeof RegistryEntry>;
export type ServiceEntry = z.infer<typeof ServiceEntry>;
export type StepEntry = z.infer<typeof StepEntry>;
export type FixupEntry = z.infer<typeof FixupEntry>;
export type PlanFile = z.infer<typeof PlanFile>;
export type FileCopyEntry = z.infer<typeof FileCopyEntry>;
export type DriversEntry = z.infer<typeof DriversEntry>;

export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlanFile, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
  return { title: `p2vfix plan file, version ${PLAN_VERSION}`, description: "Written by `p2vfix plan`, edited by people, applied by `p2vfix apply`.", ...schema };
}
