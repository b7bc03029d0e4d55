/** The data files load, validate and resolve their sources; vendor tags match as documented. */
import { describe, expect, it } from "vitest";
import { knowledge } from "../../src/windows/knowledge.js";
import { toolsHypervisor, vendorTag } from "../../src/windows/vendor-tags.js";

describe("knowledge files (data/)", () => {
  it("load with every entry naming a defined source", () => {
    const k = knowledge();
    for (const g of k.vendors.groups) expect(k.vendors.sources[g.source], g.vendor).toBeTruthy();
    for (const t of Object.values(k.boot.targets)) for (const p of t.paths) expect(k.boot.sources[p.source], p.id).toBeTruthy();
    expect(Object.keys(k.boot.targets).sort()).toEqual(["hyperv", "kvm", "vmware", "xen"]);
    expect(k.builds.families.map((f) => f.minBuild)).toEqual([...k.builds.families.map((f) => f.minBuild)].sort((a, b) => b - a));
  });
  it("vendor tags: case-insensitive, prefix patterns, UNVERIFIED marked, hypervisor of guest tools", () => {
    expect(vendorTag("cqmghost")).toMatchObject({ vendor: "HP/HPE", category: "management-agent", hardwareBound: true });
    expect(vendorTag("dsm_sa_datamgrsvc")).toMatchObject({ vendor: "Dell" });
    expect(vendorTag("HpCISSs2")!.source).toMatch(/UNVERIFIED/);
    expect(vendorTag("HpSAMD")!.source).not.toMatch(/UNVERIFIED/);
    expect(toolsHypervisor(vendorTag("VMTools"))).toBe("vmware");
    expect(toolsHypervisor(vendorTag("vmicheartbeat"))).toBe("hyperv");
    expect(vendorTag("Tcpip")).toBeNull();
  });
});
