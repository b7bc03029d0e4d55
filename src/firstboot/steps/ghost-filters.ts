/**
 * data/firstboot/ghost-device-filters.yaml: device classes the ghost-device step removes,
 * the old-vendor PCI ids whose System-class devices go too, and what is never removed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { dataDir } from "../../windows/knowledge.js";

const Guid = z.string().regex(/^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/);
const DeviceClass = z.object({ name: z.string(), guid: Guid, source: z.string() });

export const GhostFilterFile = z.object({
  sources: z.record(z.string(), z.string()),
  classes: z.array(DeviceClass.extend({ default: z.boolean() })),
  vendorClass: DeviceClass,
  vendors: z.array(z.object({ name: z.string(), pciVendor: z.string().regex(/^[0-9A-F]{4}$/), source: z.string() })),
  keepPrefixes: z.array(z.object({ prefix: z.string().min(2), source: z.string() })),
  neverClasses: z.array(DeviceClass),
});
export type GhostFilterFile = z.infer<typeof GhostFilterFile>;

let cached: GhostFilterFile | undefined;

export function ghostFilters(): GhostFilterFile {
  if (!cached) {
    const path = join(dataDir, "firstboot", "ghost-device-filters.yaml");
    const parsed = GhostFilterFile.safeParse(parse(readFileSync(path, "utf8")));
    if (!parsed.success) throw new Error(`${path}: ${parsed.error.message}`);
    for (const entry of [...parsed.data.classes, parsed.data.vendorClass, ...parsed.data.vendors, ...parsed.data.keepPrefixes, ...parsed.data.neverClasses]) {
      if (!(entry.source in parsed.data.sources)) throw new Error(`${path}: unknown source ${entry.source}`);
    }
    cached = parsed.data;
  }
  return cached;
}
