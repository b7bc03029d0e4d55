/** Tags a service name with its vendor group from data/vendor-services.yaml. */
import { knowledge } from "./knowledge.js";
import type { VendorTag } from "./schema.js";

interface Matcher {
  exact: Map<string, VendorTag>;
  prefixes: { prefix: string; tag: VendorTag }[];
}

let matcher: Matcher | undefined;

function build(): Matcher {
  const { sources, groups } = knowledge().vendors;
  const m: Matcher = { exact: new Map(), prefixes: [] };
  for (const group of groups) {
    const tag: VendorTag = {
      vendor: group.vendor,
      category: group.hypervisor ? `${group.category}:${group.hypervisor}` : group.category,
      hardwareBound: group.hardwareBound,
      source: group.verified ? sources[group.source] : `${sources[group.source]} [UNVERIFIED]`,
    };
    for (const name of group.services) {
      if (name.endsWith("*")) m.prefixes.push({ prefix: name.slice(0, -1).toLowerCase(), tag });
      else if (!m.exact.has(name.toLowerCase())) m.exact.set(name.toLowerCase(), tag);
    }
  }
  return m;
}

export function vendorTag(serviceName: string): VendorTag | null {
  matcher ??= build();
  const lower = serviceName.toLowerCase();
  return matcher.exact.get(lower) ?? matcher.prefixes.find((p) => lower.startsWith(p.prefix))?.tag ?? null;
}

/** The hypervisor a hypervisor-tools tag belongs to ("vmware" for "hypervisor-tools:vmware"). */
export function toolsHypervisor(tag: VendorTag | null): string | undefined {
  return tag?.category.startsWith("hypervisor-tools:") ? tag.category.slice("hypervisor-tools:".length) : undefined;
}
