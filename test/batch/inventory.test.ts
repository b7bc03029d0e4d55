import { describe, expect, it } from "vitest";
import { parseInventoryYaml } from "../../src/batch/inventory.js";
import { PlanError } from "../../src/errors.js";

function errorOf(text: string): PlanError {
  try { parseInventoryYaml(text, "inv.yaml"); } catch (e) { return e as PlanError; }
  throw new Error("no error");
}

describe("batch inventory (YAML)", () => {
  it("merges defaults into entries and keeps each entry's line", () => {
    const list = parseInventoryYaml("defaults:\n  target: kvm\n  keep-ip: true\nimages:\n  - image: a.qcow2\n    macs: ['52:54:00:12:34:56']\n  - image: b.vhdx\n    target: hyperv\n", "inv.yaml");
    expect(list).toEqual([
      { target: "kvm", "keep-ip": true, image: "a.qcow2", macs: ["52:54:00:12:34:56"], line: 5 },
      { target: "hyperv", "keep-ip": true, image: "b.vhdx", line: 7 },
    ]);
  });
  it("names the line of an unknown key", () => {
    const e = errorOf("images:\n  - image: a.qcow2\n    drivers: /x\n");
    expect(e).toBeInstanceOf(PlanError);
    expect(e.line).toBe(3);
    expect(e.message).toContain('unknown key "drivers"');
  });
  it("names the line of a bad MAC, a missing image and a duplicate", () => {
    expect(errorOf("images:\n  - image: a\n  - image: b\n    macs: ['52:54:00:zz:34:56']\n").line).toBe(4);
    expect(errorOf("images:\n  - image: a\n  - target: kvm\n").message).toContain("image");
    const dup = errorOf("images:\n  - image: a\n  - image: b\n  - image: a\n");
    expect(dup.line).toBe(4);
    expect(dup.message).toContain("first at line 2");
  });
  it("refuses alias bombs", () => {
    const bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nimages: [{image: a}]\n";
    expect(() => parseInventoryYaml(bomb, "inv.yaml")).toThrow();
  });
});
