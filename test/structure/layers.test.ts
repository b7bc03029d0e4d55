/**
 * Other layers reach regf only through its two doors: index.ts (the public library surface)
 * and internal.ts (what the rest of p2vfix may use of regf's internals). A module deep in
 * regf can then change shape with regf alone.
 */
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { localImports, SRC, sourceFiles } from "../helpers/import-graph.js";

const REGF = join(SRC, "regf");
const PLAN = join(SRC, "plan");

/**
 * Layers below plan (design.md, "Layers": plan sits under cli/web only). drivers and changes
 * are not in that table but plan builds on them: plan/apply.ts installs drivers and every
 * layer that produces or applies changes shares src/changes, so neither may reach back up.
 */
const BELOW_PLAN = [
  "io", "vdisk", "partition", "fs", "regf", "windows", "fixups", "firstboot", "vmconfig",
  "changes", "drivers", "apply", "image", "util",
].map((layer) => join(SRC, layer));

/** "importer -> imported" for every import of src/plan from a layer below it. */
function importsOfPlanFromBelow(): string[] {
  const inPlan = (path: string) => path.startsWith(PLAN + "/");
  return BELOW_PLAN.flatMap((layer) => sourceFiles(layer))
    .flatMap((file) =>
      localImports(file)
        .filter(inPlan)
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
}
const DOORS = new Set([join(REGF, "index.ts"), join(REGF, "internal.ts")]);

/** "importer -> imported" for every import into regf that bypasses its doors. */
function regfBypasses(): string[] {
  const inRegf = (path: string) => path.startsWith(REGF + "/");
  return sourceFiles(SRC)
    .filter((file) => !inRegf(file))
    .flatMap((file) =>
      localImports(file)
        .filter((target) => inRegf(target) && !DOORS.has(target))
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
}

describe("layers", () => {
  it("other layers import regf only through regf/index.ts or regf/internal.ts", () => {
    expect(regfBypasses()).toEqual([]);
  });

  it("layers below plan (drivers, changes, fixups ...) do not import src/plan", () => {
    expect(importsOfPlanFromBelow()).toEqual([]);
  });

  it("internal.ts re-exports only what lives in regf", () => {
    const targets = localImports(join(REGF, "internal.ts"));
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => !t.startsWith(REGF + "/"))).toEqual([]);
  });
});
