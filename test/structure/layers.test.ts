/**
 * Other layers reach regf only through its two doors: index.ts (the public library surface)
 * and internal.ts (what the rest of p2vfix may use of regf's internals). A module deep in
 * regf can then change shape with regf alone.
 */
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { localImports, SRC, sourceFiles } from "../helpers/import-graph.js";

const REGF = join(SRC, "regf");
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

  it("internal.ts re-exports only what lives in regf", () => {
    const targets = localImports(join(REGF, "internal.ts"));
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => !t.startsWith(REGF + "/"))).toEqual([]);
  });
});
