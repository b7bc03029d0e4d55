/**
 * Regressions from the vmconfig fuzzer (issue 17): unplug → plug gives the original bytes back,
 * or the edit is refused with a typed error and nothing is written.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { VmConfigError } from "../../src/errors.js";
import { openVmConfig, parseVmConfig } from "../../src/vmconfig/index.js";
import { headerChecksum } from "../../src/vmconfig/tar.js";
import type { TextVmConfig } from "../../src/vmconfig/text-config.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { fixtureBytes, fixtureDir } from "./fixture.js";

/** The fuzzer's input 879 (scripts/fuzz-vmconfig.ts, seed 4): an OVF with a damaged AutomaticAllocation. */
const INPUT_879 = fileURLToPath(new URL("../fuzz/regressions/vmconfig-879.ovf", import.meta.url));

/** Unplugs then plugs NIC `nic` of the file at `path`, saving after each: the bytes after. */
function roundTrip(path: string, nic = 0): Buffer {
  const vm = openVmConfig(path);
  const connected = vm.nics().find((n) => n.index === nic)!.connected;
  vm.setLink({ nic }, !connected);
  vm.save({ backup: false });
  const again = openVmConfig(path);
  again.setLink({ nic }, connected);
  again.save({ backup: false });
  return readFileSync(path);
}

function tempFile(name: string, bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), "p2vfix-exact-")), name);
  writeFileSync(path, bytes);
  return path;
}

describe(".vmx: a startConnected spelled oddly comes back as written", () => {
  const base = fixtureBytes("FS01-p2v.vmx").toString("latin1");
  for (const value of ["TsUE", "TRuE", "yes", "1", " TRUE", "no", "0", "FaLsE"]) {
    it(`"${value}"`, () => {
      const original = Buffer.from(base.replace(/ethernet0\.startConnected = "TRUE"/, `ethernet0.startConnected = "${value}"`), "latin1");
      expect(original.toString("latin1")).toContain(`"${value}"`);
      const path = tempFile("vm.vmx", original);
      const connected = openVmConfig(path).nics()[0].connected;
      const vm = openVmConfig(path);
      vm.setLink({ nic: 0 }, !connected);
      vm.save({ backup: false });
      expect(openVmConfig(path).nics()[0].connected).toBe(!connected);
      writeFileSync(path, original);
      expect(roundTrip(path).toString("latin1")).toBe(original.toString("latin1"));
    });
  }
  it("a plain TRUE is still edited in place, with no comment", () => {
    const vm = parseVmConfig("t.vmx", new Uint8Array(Buffer.from('ethernet0.present = "TRUE"\nethernet0.startConnected = "TRUE"\n', "latin1"))) as TextVmConfig;
    vm.setLink({ nic: 0 }, false);
    expect(Buffer.from(vm.bytes()).toString("latin1")).toBe('ethernet0.present = "TRUE"\nethernet0.startConnected = "FALSE"\n');
  });
});

describe("OVF: an AutomaticAllocation that cannot be set back exactly is refused", () => {
  it("the fuzzer's input 879 is refused with a typed error and left as it was", () => {
    const bytes = readFileSync(INPUT_879);
    const path = tempFile("vm.ovf", bytes);
    const vm = openVmConfig(path);
    const nic = vm.nics().find((n) => n.raw?.AutomaticAllocation?.includes("eratingSystemSection"));
    expect(nic).toBeDefined();
    expect(() => vm.setLink({ nic: nic!.index }, !nic!.connected)).toThrow(VmConfigError);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });
  for (const value of ["TRUE", "1", "tr&#117;e"]) {
    it(`"${value}" is refused; plain true round-trips`, () => {
      const ovf = fixtureBytes("FS01-p2v.ovf").toString("latin1");
      expect(ovf).toContain(">true</rasd:AutomaticAllocation>");
      const odd = tempFile("vm.ovf", Buffer.from(ovf.replace(">true</rasd:AutomaticAllocation>", `>${value}</rasd:AutomaticAllocation>`), "latin1"));
      const vm = openVmConfig(odd);
      expect(() => vm.setLink({ all: true }, false)).toThrow(VmConfigError);
      const plain = tempFile("vm.ovf", Buffer.from(ovf, "latin1"));
      expect(roundTrip(plain).toString("latin1")).toBe(ovf);
    });
  }
});

describe.skipIf(!toolsAvailable("tar"))("OVA: the tar bytes around the edited .ovf", () => {
  const OVF = "FS01-p2v.ovf";
  const ova = (): { path: string; bytes: Buffer; paddingAt: number; paddingEnd: number } => {
    const path = join(mkdtempSync(join(tmpdir(), "p2vfix-exact-ova-")), "vm.ova");
    const r = runTool("tar", ["--format=ustar", "-cf", path, "-C", fixtureDir, OVF]);
    expect(r.status, r.stderr).toBe(0);
    const size = fixtureBytes(OVF).length;
    expect(size % 512).not.toBe(0);
    return { path, bytes: readFileSync(path), paddingAt: 512 + size, paddingEnd: 512 + Math.ceil(size / 512) * 512 };
  };

  it("zero padding: unplug → plug gives the archive back byte for byte", () => {
    const { path, bytes } = ova();
    expect(roundTrip(path).equals(bytes)).toBe(true);
  });

  /** Unplugging `path` (holding `bytes`) must fail to save with a typed error, leaving the file as it was. */
  const expectRefusedSave = (path: string, bytes: Buffer): void => {
    writeFileSync(path, bytes);
    const vm = openVmConfig(path);
    vm.setLink({ all: true }, false);
    expect(() => vm.save({ backup: false })).toThrow(VmConfigError);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  };

  it("non-zero padding after the .ovf is refused (typed error), the archive left as it was", () => {
    const { path, bytes, paddingAt, paddingEnd } = ova();
    const damaged = Buffer.from(bytes);
    damaged[paddingEnd - 1] = 0x41;
    damaged[paddingAt] = 0x3c;
    expectRefusedSave(path, damaged);
  });

  it("an archive cut off inside the .ovf padding is refused, left as it was", () => {
    const { path, bytes, paddingAt } = ova();
    expectRefusedSave(path, bytes.subarray(0, paddingAt + 3));
  });

  it("a checksum written as 7 digits and NUL (another tar's layout) keeps its layout", () => {
    const { path, bytes } = ova();
    const header = Buffer.from(bytes.subarray(0, 512));
    header.write(`${headerChecksum(header).toString(8).padStart(7, "0")}\0`, 148, "latin1");
    const original = Buffer.concat([header, bytes.subarray(512)]);
    writeFileSync(path, original);
    expect(openVmConfig(path).format).toBe("ova");
    expect(roundTrip(path).equals(original)).toBe(true);
  });

  it("a manifest digest that is not the .ovf's own is refused (undoing could not give it back), the archive left as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-exact-mf-"));
    writeFileSync(join(dir, OVF), fixtureBytes(OVF));
    writeFileSync(join(dir, "vm.mf"), `SHA256(${OVF})= ${"ab".repeat(32)}\n`);
    const path = join(dir, "vm.ova");
    const r = runTool("tar", ["--format=ustar", "-cf", path, "-C", dir, OVF, "vm.mf"]);
    expect(r.status, r.stderr).toBe(0);
    expectRefusedSave(path, readFileSync(path));
  });
});
