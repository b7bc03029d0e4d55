import { describe, expect, it } from "vitest";
import { parseVmConfig } from "../../src/vmconfig/index.js";
import type { TextVmConfig } from "../../src/vmconfig/text-config.js";
import { VMX_MARKER } from "../../src/vmconfig/vmx.js";

const vmx = (text: string): TextVmConfig => parseVmConfig("t.vmx", new Uint8Array(Buffer.from(text, "latin1"))) as TextVmConfig;
const text = (vm: TextVmConfig): string => Buffer.from(vm.bytes()).toString("latin1");

describe(".vmx edits", () => {
  it("inserts after a NIC that ends the file without a final newline, and removes it again", () => {
    const original = 'config.version = "8"\nethernet0.present = "TRUE"\nethernet0.addressType = "static"\nethernet0.address = "00:50:56:00:00:01"';
    const vm = vmx(original);
    vm.setLink({ nic: 0 }, false);
    expect(text(vm)).toBe(`${original}\n${VMX_MARKER}\nethernet0.startConnected = "FALSE"`);
    vm.setLink({ nic: 0 }, true);
    expect(text(vm)).toBe(original);
  });

  it("keeps the case style of an existing value and reads unquoted values", () => {
    const vm = vmx('config.version = 8\nethernet0.present = true\nethernet0.startConnected = "true"\nethernet1.present = "TRUE"\nethernet1.startConnected = "True"\n');
    vm.setLink({ all: true }, false);
    expect(text(vm)).toBe('config.version = 8\nethernet0.present = true\nethernet0.startConnected = "false"\nethernet1.present = "TRUE"\nethernet1.startConnected = "False"\n');
    expect(vm.nics().map((n) => n.connected)).toEqual([false, false]);
  });

  it("keeps non-ASCII bytes (a windows-1252 display name) untouched", () => {
    const original = '.encoding = "windows-1252"\ndisplayName = "Serveur comptabilit\xe9"\nethernet0.present = "TRUE"\n';
    const vm = vmx(original);
    vm.setLink({ nic: 0 }, false);
    expect(text(vm).startsWith(original)).toBe(true);
  });
});
