/**
 * The batch inventory (docs/inventory.md): YAML with `defaults:` and `images:`, or CSV with a
 * header row, validated with one zod schema; every error names the inventory line it is about.
 * Nothing here touches an image.
 */
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { LineCounter, parseDocument, isMap, isSeq, type Node } from "yaml";
import { NotFoundError, PlanError } from "../errors.js";
import { targetHypervisorOf } from "../cli/hypervisors.js";
import { readCsv } from "./csv.js";

/** Inventories are lists of paths and MACs; anything bigger is not one (the plan loader's cap). */
export const MAX_INVENTORY_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** A NIC's own address: six hex pairs, unicast (lowest bit of the first byte clear), not all zero. */
const macSchema = z
  .string()
  .regex(MAC, "not a MAC address (six hex pairs, e.g. 52:54:00:12:34:56)")
  .refine((mac) => (parseInt(mac.slice(0, 2), 16) & 1) === 0, "a multicast MAC address cannot be a NIC's (the first byte must be even)")
  .refine((mac) => !/^(00[:-]){5}00$/.test(mac), "00:00:00:00:00:00 is not a NIC's MAC address");

const fileCopy = z.object({ from: z.string().min(1), to: z.string().min(1), reason: z.string().optional() }).strict();

const entryFields = {
  target: z
    .string()
    .refine((target) => targetHypervisorOf(target) !== undefined, "not a hypervisor p2vfix knows: hyperv, vmware, kvm or xen (aliases such as Hyper-V, ESXi, Proxmox are accepted)")
    .transform((target) => targetHypervisorOf(target)!)
    .optional(),
  profile: z.string().min(1).optional(),
  "keep-ip": z.boolean().optional(),
  macs: z.array(macSchema).min(1).optional(),
  vm: z.string().min(1).optional(),
  /** With `vm`: the VM's NIC number when it has several (as `plan --nic`). */
  nic: z.number().int().min(0).optional(),
  /** Drivers installed at apply: an ISO (virtio-win, VMware Tools), a folder of packages or one .inf (as `plan --drivers`). */
  drivers: z.string().optional(),
  /** Host folders or files copied into the image at apply: the plan's `files:`. */
  files: z.array(fileCopy).optional(),
};
const defaultsSchema = z.object(entryFields).strict();
const entrySchema = z.object({ image: z.string().min(1), ...entryFields }).strict();

export type InventoryEntry = z.infer<typeof entrySchema> & { line: number };
type EntryInput = z.input<typeof entrySchema>;

/** The keys an entry may have, in the order docs/inventory.md lists them (also the CSV columns). */
export const INVENTORY_KEYS = ["image", "target", "profile", "keep-ip", "macs", "vm", "nic", "drivers", "files"] as const;

function fail(path: string, line: number, message: string, code = "inventory.invalid"): never {
  throw new PlanError(code, message, { path, line });
}

/** The first schema problem as a message, and the key it is about (to find that key's own line). */
function firstIssue(error: z.ZodError): { key: PropertyKey | undefined; message: string } {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") return { key: issue.keys[0], message: `unknown key "${String(issue.keys[0])}" (keys: ${INVENTORY_KEYS.join(", ")})` };
  if (issue.code === "invalid_type" && issue.path.length === 1 && issue.path[0] === "image" && issue.input === undefined) return { key: "image", message: "every entry needs `image:` (the image file's path)" };
  return { key: issue.path[0], message: `${issue.path.join(".") || "entry"}: ${issue.message}` };
}

/** Checks that hold across keys, once defaults are merged: the same for YAML and CSV. */
function checkEntry(entry: InventoryEntry, path: string, lineOfKey: (key: string) => number): InventoryEntry {
  if (entry.vm && entry.macs) fail(path, lineOfKey("vm"), "give either `vm` or `macs`, not both");
  if (entry.nic !== undefined && !entry.vm) fail(path, lineOfKey("nic"), "`nic` chooses a NIC of the VM definition: it needs `vm`");
  if (entry.drivers !== undefined && entry.drivers.trim() === "") {
    const { drivers: _empty, ...rest } = entry;
    return rest;
  }
  return entry;
}

function checkUnique(entries: InventoryEntry[], path: string): InventoryEntry[] {
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const first = seen.get(entry.image);
    if (first !== undefined) fail(path, entry.line, `duplicate image "${entry.image}" (first at line ${first})`);
    seen.set(entry.image, entry.line);
  }
  return entries;
}

function yamlLine(node: Node | null | undefined, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

/** Line of `key` inside the YAML map `node`, else the map's own line. */
function keyLine(node: Node, key: PropertyKey | undefined, counter: LineCounter): number {
  const pair = isMap(node) ? node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key) : undefined;
  return yamlLine((pair?.key as Node | undefined) ?? node, counter);
}

function validateYaml<T>(schema: z.ZodType<T>, value: unknown, node: Node, counter: LineCounter, path: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { key, message } = firstIssue(result.error);
  fail(path, keyLine(node, key, counter), message);
}

function refuseLarge(text: string, path: string): void {
  if (Buffer.byteLength(text) > MAX_INVENTORY_BYTES) fail(path, 1, `inventory larger than ${MAX_INVENTORY_BYTES} bytes: not an inventory`, "inventory.too-large");
}

/** Parse and validate a YAML inventory; `path` is only used in messages. */
export function parseInventoryYaml(text: string, path: string): InventoryEntry[] {
  refuseLarge(text, path);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) fail(path, counter.linePos(doc.errors[0]!.pos[0]).line, doc.errors[0]!.message.split("\n")[0]!);
  const root = doc.contents;
  if (!isMap(root)) fail(path, 1, "inventory must be a map with `images:` (and optional `defaults:`)");
  let js: Record<string, unknown>;
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
  } catch (err) {
    fail(path, 1, `the inventory expands YAML aliases more than ${MAX_ALIAS_COUNT} times: ${(err as Error).message}`, "inventory.alias-limit");
  }
  validateYaml(z.object({ defaults: z.unknown().optional(), images: z.unknown() }).strict(), js, root, counter, path);
  const defaultsNode = root.get("defaults", true) as Node | undefined;
  const defaults = defaultsNode ? validateYaml(defaultsSchema, js.defaults, defaultsNode, counter, path) : {};
  const imagesNode = root.get("images", true) as Node | undefined;
  if (!isSeq(imagesNode) || imagesNode.items.length === 0) fail(path, yamlLine(imagesNode ?? root, counter), "`images:` must be a non-empty list");
  const entries = imagesNode.items.map((item, i) => {
    const node = item as Node;
    const own = validateYaml(entrySchema, (js.images as unknown[])[i], node, counter, path);
    const entry = { ...defaults, ...own, line: yamlLine(node, counter) } as InventoryEntry;
    // A key the entry does not set came from defaults: point there.
    const lineOfKey = (key: string) => (key in own || !defaultsNode ? keyLine(node, key, counter) : keyLine(defaultsNode, key, counter));
    return checkEntry(entry, path, lineOfKey);
  });
  return checkUnique(entries, path);
}

/** One CSV cell → the value the schema expects (`macs` split on ";", `files` as FROM=>TO pairs split on ";"). */
function csvValue(key: string, cell: string): unknown {
  const text = cell.trim();
  if (text === "") return undefined;
  switch (key) {
    case "keep-ip":
      return /^(true|yes|1)$/i.test(text) ? true : /^(false|no|0)$/i.test(text) ? false : text;
    case "nic":
      return /^\d+$/.test(text) ? Number(text) : text;
    case "macs":
      return text.split(";").map((mac) => mac.trim());
    case "files":
      return text.split(";").map((pair) => {
        const at = pair.indexOf("=>");
        return at < 0 ? pair.trim() : { from: pair.slice(0, at).trim(), to: pair.slice(at + 2).trim() };
      });
    default:
      return text;
  }
}

/** Parse and validate a CSV inventory: a header row naming the keys, one image per row. CSV has no defaults. */
export function parseInventoryCsv(text: string, path: string): InventoryEntry[] {
  refuseLarge(text, path);
  const records = readCsv(text.replace(/^\uFEFF/, ""), path);
  if (records.length < 2) fail(path, 1, "a CSV inventory needs a header row (image,target,...) and at least one image row");
  const header = records[0]!.fields.map((field) => field.trim().toLowerCase());
  header.forEach((name, i) => {
    if (!(INVENTORY_KEYS as readonly string[]).includes(name)) fail(path, records[0]!.line, `unknown column "${name}" (columns: ${INVENTORY_KEYS.join(", ")})`);
    if (header.indexOf(name) !== i) fail(path, records[0]!.line, `column "${name}" appears twice`);
  });
  if (!header.includes("image")) fail(path, records[0]!.line, 'the header has no "image" column');
  const entries = records.slice(1).map(({ line, fields }) => {
    if (fields.length !== header.length) fail(path, line, `${fields.length} fields where the header has ${header.length}`);
    const raw: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const value = csvValue(name, fields[i]!);
      if (value !== undefined) raw[name] = value;
    });
    const result = entrySchema.safeParse(raw as EntryInput);
    if (!result.success) fail(path, line, firstIssue(result.error).message);
    return checkEntry({ ...result.data, line }, path, () => line);
  });
  return checkUnique(entries, path);
}

/** Reads an inventory file: `.csv` is CSV, anything else YAML. Bounded before it is read. */
export function loadInventory(path: string): InventoryEntry[] {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new PlanError("inventory.not-a-file", `${path} is not a regular file`, { path });
    if (st.size > MAX_INVENTORY_BYTES) fail(path, 1, `the inventory is ${st.size} bytes, more than ${MAX_INVENTORY_BYTES}: not an inventory`, "inventory.too-large");
    text = readFileSync(path, "utf8");
  } catch (cause) {
    if (cause instanceof PlanError) throw cause;
    throw new NotFoundError("inventory-not-found", `cannot read the inventory ${path}`, { path, cause });
  }
  return /\.csv$/i.test(path) ? parseInventoryCsv(text, path) : parseInventoryYaml(text, path);
}
