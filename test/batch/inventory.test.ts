import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory, MAX_INVENTORY_BYTES, parseInventoryCsv, parseInventoryYaml } from "../../src/batch/inventory.js";
import { NotFoundError, PlanError } from "../../src/errors.js";

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
    const e = errorOf("images:\n  - image: a.qcow2\n    mac: 52:54:00:12:34:56\n");
    expect(e).toBeInstanceOf(PlanError);
    expect(e.line).toBe(3);
    expect(e.message).toContain('unknown key "mac"');
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

function csvErrorOf(text: string): PlanError {
  try { parseInventoryCsv(text, "inv.csv"); } catch (e) { return e as PlanError; }
  throw new Error("no error");
}

describe("batch inventory: the other keys", () => {
  it("accepts hypervisor aliases, vm with nic, and files (the plan's files:)", () => {
    const [a, b] = parseInventoryYaml(
      "defaults:\n  target: Proxmox\n  files:\n    - {from: tools, to: /p2vfix/tools}\nimages:\n  - image: a.qcow2\n    vm: a.vmx\n    nic: 1\n  - image: b.raw\n    target: ESXi\n    drivers: ''\n",
      "inv.yaml",
    );
    expect(a).toMatchObject({ image: "a.qcow2", target: "kvm", vm: "a.vmx", nic: 1, files: [{ from: "tools", to: "/p2vfix/tools" }], line: 6 });
    expect(b).toMatchObject({ image: "b.raw", target: "vmware", line: 9 });
    expect(b).not.toHaveProperty("drivers");
  });
  it("keeps a drivers source, its own or from defaults (the plan's drivers:)", () => {
    const [a, b] = parseInventoryYaml("defaults:\n  drivers: isos/virtio-win.iso\nimages:\n  - image: a\n  - image: b\n    drivers: vmware-tools.iso\n", "inv.yaml");
    expect(a).toMatchObject({ image: "a", drivers: "isos/virtio-win.iso" });
    expect(b).toMatchObject({ image: "b", drivers: "vmware-tools.iso" });
    expect(parseInventoryCsv("image,drivers\na,/isos/virtio.iso\n", "inv.csv")[0]).toMatchObject({ image: "a", drivers: "/isos/virtio.iso" });
  });
  it("refuses multicast and all-zero MACs, an unknown hypervisor, nic without vm, vm with macs", () => {
    expect(errorOf("images:\n  - image: a\n    macs: ['01:00:5e:00:00:01']\n").message).toMatch(/multicast/);
    expect(errorOf("images:\n  - image: a\n    macs: ['00:00:00:00:00:00']\n").line).toBe(3);
    expect(errorOf("images:\n  - image: a\n    target: virtualpc\n").message).toMatch(/target: not a hypervisor/);
    expect(errorOf("images:\n  - image: a\n    nic: 1\n").line).toBe(3);
    expect(errorOf("images:\n  - image: a\n    vm: a.vmx\n    macs: ['52:54:00:12:34:56']\n").message).toMatch(/either `vm` or `macs`/);
  });
  it("refuses an inventory over the size cap before parsing it", () => {
    expect(errorOf("#".repeat(MAX_INVENTORY_BYTES + 1)).code).toBe("inventory.too-large");
  });
});

describe("batch inventory (CSV)", () => {
  it("reads a header row and one image per row; quoted fields may hold commas, quotes and line breaks", () => {
    const text = 'image,target,macs,keep-ip,files\r\n"/data/w1/srv,01.qcow2",hyperv,00:15:5d:01:02:03;00:15:5d:01:02:04,no,tools=>/p2vfix/tools\r\n"/data/w1/say ""hi""\nthere.vhdx",kvm,,,\r\n';
    expect(parseInventoryCsv(text, "inv.csv")).toEqual([
      { image: "/data/w1/srv,01.qcow2", target: "hyperv", macs: ["00:15:5d:01:02:03", "00:15:5d:01:02:04"], "keep-ip": false, files: [{ from: "tools", to: "/p2vfix/tools" }], line: 2 },
      { image: '/data/w1/say "hi"\nthere.vhdx', target: "kvm", line: 3 },
    ]);
  });
  it("names the line of an unknown column, a bad MAC, a short row, a duplicate image, an unclosed quote", () => {
    expect(csvErrorOf("image,mac\na,52:54:00:12:34:56\n")).toMatchObject({ line: 1, message: expect.stringContaining('unknown column "mac"') });
    expect(csvErrorOf("image,macs\na,52:54:00:12:34:56\nb,52:54:zz:12:34:56\n").line).toBe(3);
    expect(csvErrorOf("image,target\na,kvm\nb\n").line).toBe(3);
    expect(csvErrorOf("image\na\n\nb\na\n")).toMatchObject({ line: 5, message: expect.stringContaining("first at line 2") });
    expect(csvErrorOf('image\na\n"b\n\n').line).toBe(3);
    expect(csvErrorOf("target\nkvm\n").message).toMatch(/no "image" column/);
  });
});

describe("loadInventory", () => {
  it("reads .csv as CSV and anything else as YAML; a missing file is NotFound", () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-inv-"));
    writeFileSync(join(dir, "w.csv"), "image\na.raw\n");
    writeFileSync(join(dir, "w.yaml"), "images:\n  - image: a.raw\n");
    expect(loadInventory(join(dir, "w.csv"))).toEqual([{ image: "a.raw", line: 2 }]);
    expect(loadInventory(join(dir, "w.yaml"))).toEqual([{ image: "a.raw", line: 2 }]);
    expect(() => loadInventory(join(dir, "none.yaml"))).toThrow(NotFoundError);
  });
});
