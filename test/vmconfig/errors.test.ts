/** Malformed, unknown and hostile definitions: a VmConfigError naming the line, never a crash. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { P2vfixError, VmConfigError } from "../../src/errors.js";
import { parseVmConfig } from "../../src/vmconfig/index.js";
import { fixtureBytes } from "./fixture.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function errorOf(path: string, text: string): VmConfigError {
  try {
    parseVmConfig(path, enc(text));
  } catch (err) {
    expect(err).toBeInstanceOf(VmConfigError);
    return err as VmConfigError;
  }
  throw new Error("no error");
}

describe("errors name the line", () => {
  it(".vmx: a line that is not key = value", () => {
    const text = fixtureBytes("FS01-p2v.vmx").toString("latin1").replace('memSize = "8192"', "memSize 8192");
    const e = errorOf("a.vmx", text);
    expect(e.code).toBe("malformed-vmx");
    expect(e.message).toMatch(/^line 7: /);
  });

  it("libvirt: mismatched end tag", () => {
    const text2 = fixtureBytes("fs01-p2v.xml").toString("latin1").replace("</interface>", "</iface>");
    const e = errorOf("a.xml", text2);
    expect(e.code).toBe("malformed-xml");
    expect(e.message).toMatch(/^line 59: end tag <\/iface> does not match <interface> \(line 55\)/);
  });

  it("Proxmox: a line without a colon, and a net without a model", () => {
    const conf = fixtureBytes("101.conf").toString("latin1");
    expect(errorOf("101.conf", conf.replace("numa: 0", "numa 0")).message).toMatch(/^line 14: expected "key: value"/);
    expect(errorOf("101.conf", conf.replace("net1: e1000=", "net1: bridge=vmbr9,x=")).message).toMatch(/^line 13: net1 has no NIC model/);
  });

  it("a bad MAC", () => {
    const vbox = fixtureBytes("FS01-p2v.vbox").toString("latin1").replace("080027C3D4E5", "08002ZC3D4E5");
    expect(errorOf("a.vbox", vbox).message).toMatch(/^line 28: not a MAC address/);
  });

  it("OVF item without ResourceType", () => {
    const ovf = fixtureBytes("FS01-p2v.ovf").toString("latin1").replace("<rasd:ResourceType>17</rasd:ResourceType>", "");
    expect(errorOf("a.ovf", ovf).message).toMatch(/^line 57: <Item> has no ResourceType/);
  });

  it("Hyper-V JSON syntax error", () => {
    expect(errorOf("a.json", '[\n  {"MacAddress": "00155D000001",\n  }\n]').message).toMatch(/^line 3: /);
  });

  it("unknown formats", () => {
    expect(errorOf("x", "hello world\n").code).toBe("unknown-format");
    expect(errorOf("x", "<html><body/></html>").message).toMatch(/root <html>/);
  });
});

describe("fuzz: mutated definitions give a typed error or a model, never a crash", () => {
  for (const name of ["FS01-p2v.vmx", "fs01-p2v.xml", "101.conf", "FS01-p2v.vbox", "FS01-p2v.ovf", "FS01-p2v-hyperv.json"]) {
    it(name, () => {
      const original = new Uint8Array(fixtureBytes(name));
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.nat(original.length),
          (flips, cut) => {
            const bytes = original.slice(0, Math.max(1, cut));
            for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
            try {
              const vm = parseVmConfig(name, bytes);
              vm.nics();
              vm.disks();
              vm.controllers();
              if (vm.nics().length > 0) vm.setLink({ all: true }, false);
            } catch (err) {
              if (!(err instanceof P2vfixError)) throw err;
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});
