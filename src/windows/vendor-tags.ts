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
  const built: Matcher = { exact: new Map(), prefixes: [] };
  for (const group of groups) {
    const tag: VendorTag = {
      vendor: group.vendor,
      category: group.hypervisor ? `${group.category}:${group.hypervisor}` : group.category,
      hardwareBound: group.hardwareBound,
      source: group.verified ? sources[group.source] : `${sources[group.source]} [UNVERIFIED]`,
    };
    for (const name of group.services) {
      if (name.endsWith("*")) built.prefixes.push({ prefix: name.slice(0, -1).toLowerCase(), tag });
      else if (!built.exact.has(name.toLowerCase())) built.exact.set(name.toLowerCase(), tag);
    }
  }
  return built;
}

export function vendorTag(serviceName: string): VendorTag | null {
  matcher ??= build();
  const lower = serviceName.toLowerCase();
  return matcher.exact.get(lower) ?? matcher.prefixes.find((prefix) => lower.startsWith(prefix.prefix))?.tag ?? null;
}

/** The hypervisor a hypervisor-tools tag belongs to ("vmware" for "hypervisor-tools:vmware"). */
export function toolsHypervisor(tag: VendorTag | null): string | undefined {
  return tag?.category.startsWith("hypervisor-tools:") ? tag.category.slice("hypervisor-tools:".length) : undefined;
}
