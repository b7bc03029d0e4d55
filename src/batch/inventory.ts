/**
 * The batch inventory (docs/inventory.md): YAML with `defaults:` and `images:`, validated with
 * zod; every error names the inventory line it is about. Nothing here touches an image.
 */
import { z } from "zod";
import { LineCounter, parseDocument, isMap, isSeq, type Node } from "yaml";
import { PlanError } from "../errors.js";
import { TARGET_HYPERVISORS } from "../fixups/options.js";

/** Inventories are lists of paths and MACs; anything bigger is not one. */
export const MAX_INVENTORY_BYTES = 4 * 1024 * 1024;

const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

const entryFields = {
  target: z.enum(TARGET_HYPERVISORS).optional(),
  profile: z.string().min(1).optional(),
  "keep-ip": z.boolean().optional(),
  macs: z.array(z.string().regex(MAC, "not a MAC address (six hex pairs, e.g. 52:54:00:12:34:56)")).min(1).optional(),
  vm: z.string().min(1).optional(),
};
const defaultsSchema = z.object(entryFields).strict();
const entrySchema = z.object({ image: z.string().min(1), ...entryFields }).strict();

export type InventoryEntry = z.infer<typeof entrySchema> & { line: number };

function lineOf(node: Node | null | undefined, counter: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

function fail(path: string, line: number, message: string): never {
  throw new PlanError("inventory.invalid", message, { path, line });
}

function validate<T>(schema: z.ZodType<T>, value: unknown, node: Node, counter: LineCounter, path: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // Point at the offending key's own line when the map has it.
  const key = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path[0];
  const pair = isMap(node) ? node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key) : undefined;
  const line = lineOf((pair?.key as Node | undefined) ?? node, counter);
  const what = issue.code === "unrecognized_keys" ? `unknown key "${String(key)}"` : `${issue.path.join(".") || "entry"}: ${issue.message}`;
  fail(path, line, what);
}

/** Parse and validate a YAML inventory; `path` is only used in messages. */
export function parseInventoryYaml(text: string, path: string): InventoryEntry[] {
  if (Buffer.byteLength(text) > MAX_INVENTORY_BYTES) fail(path, 1, `inventory larger than ${MAX_INVENTORY_BYTES} bytes`);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) fail(path, lineOf({ range: [doc.errors[0]!.pos[0], 0, 0] } as unknown as Node, counter), doc.errors[0]!.message);
  const root = doc.contents;
  if (!isMap(root)) fail(path, 1, "inventory must be a map with `images:` (and optional `defaults:`)");
  const js = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  validate(z.object({ defaults: z.unknown().optional(), images: z.unknown() }).strict(), js, root, counter, path);
  const defaultsNode = root.get("defaults", true) as Node | undefined;
  const defaults = defaultsNode ? validate(defaultsSchema, js.defaults, defaultsNode, counter, path) : {};
  const imagesNode = root.get("images", true) as Node | undefined;
  if (!isSeq(imagesNode) || imagesNode.items.length === 0) fail(path, lineOf(imagesNode ?? root, counter), "`images:` must be a non-empty list");
  const seen = new Map<string, number>();
  return imagesNode.items.map((item, i) => {
    const node = item as Node;
    const line = lineOf(node, counter);
    const entry = validate(entrySchema, (js.images as unknown[])[i], node, counter, path);
    const first = seen.get(entry.image);
    if (first !== undefined) fail(path, line, `duplicate image "${entry.image}" (first at line ${first})`);
    seen.set(entry.image, line);
    if (entry.vm && entry.macs) fail(path, line, "give either `vm` or `macs`, not both");
    return { ...defaults, ...entry, line };
  });
}
