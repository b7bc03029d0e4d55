/**
 * No import cycles in src, type-only imports included: a cycle makes two modules one in all but
 * name (neither can be read, tested or moved alone) and is what casts and `instanceof` chains
 * get added to patch over. The graph comes from TypeScript's own import scanner.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { localImports, SRC, sourceFiles } from "../helpers/import-graph.js";

/** Strongly connected components of more than one file (Tarjan), each sorted, relative to `root`. */
function importCycles(root: string): string[][] {
  const files = sourceFiles(root);
  const graph = new Map(files.map((f) => [f, localImports(f)]));
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, order.get(next)!));
      }
    }
    if (low.get(file) !== order.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(relative(root, member));
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of files) if (!order.has(file)) visit(file);
  return cycles;
}

describe("src imports", () => {
  it("form no cycle", () => {
    expect(importCycles(SRC)).toEqual([]);
  });

  it("sees a cycle made of type-only imports", () => {
    // The check above is only as good as the graph it reads: a planted pair must show.
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-cycles-"));
    try {
      mkdirSync(join(dir, "b"));
      writeFileSync(join(dir, "a.ts"), 'import type { B } from "./b/index.js";\nexport interface A { b: B }\n');
      writeFileSync(join(dir, "b", "index.ts"), 'import type { A } from "../a.js";\nexport interface B { a: A }\n');
      writeFileSync(join(dir, "c.ts"), 'import type { A } from "./a.js";\nexport type C = A;\n');
      expect(importCycles(dir)).toEqual([["a.ts", join("b", "index.ts")]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
