/**
 * The generated first-boot scripts are byte for byte what test/firstboot/golden/ holds (written
 * by scripts/firstboot-golden.ts before the scripts moved to data/firstboot/): moving them, or
 * any refactor, changes no script a Windows machine would run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { goldenFiles } from "./golden-scripts.js";

const dir = join(import.meta.dirname, "golden");
const rendered = goldenFiles();

describe("generated first-boot scripts equal the goldens", () => {
  it("the same set of files", () => {
    expect([...rendered.keys()].sort()).toEqual(readdirSync(dir).sort());
  });

  it.each([...rendered.keys()].sort())("%s", (name) => {
    const golden = readFileSync(join(dir, name), "utf8");
    // Compare as lines first for a readable diff, then exactly (line ends included).
    expect(rendered.get(name)!.split("\n")).toEqual(golden.split("\n"));
    expect(rendered.get(name)).toBe(golden);
  });
});
