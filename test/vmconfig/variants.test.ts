/** Line-ending and end-of-file variants of every text fixture: any subset of NICs unplugged then plugged gives back the bytes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseVmConfig } from "../../src/vmconfig/index.js";
import type { TextVmConfig } from "../../src/vmconfig/text-config.js";
import { fixtureBytes } from "./fixture.js";

const variants: Record<string, (t: string) => string> = {
  lf: (t) => t.replace(/\r\n/g, "\n"),
  crlf: (t) => t.replace(/\r?\n/g, "\r\n"),
  "no final newline": (t) => t.replace(/\r?\n$/, ""),
  "tab indented": (t) => t.replace(/^( {2})+/gm, (m) => "\t".repeat(m.length / 2)),
};

describe.each(["FS01-p2v.vmx", "fs01-p2v.xml", "101.conf", "FS01-p2v.vbox", "FS01-p2v.ovf"])("%s", (name) => {
  for (const [variant, transform] of Object.entries(variants)) {
    it(variant, () => {
      const text = transform(fixtureBytes(name).toString("latin1"));
      const bytes = new Uint8Array(Buffer.from(text, "latin1"));
      const count = parseVmConfig(name, bytes).nics().length;
      fc.assert(
        fc.property(fc.subarray([...Array(count).keys()], { minLength: 1 }), fc.boolean(), (positions, up) => {
          const vm = parseVmConfig(name, bytes) as TextVmConfig;
          const chosen = positions.map((p) => vm.nics()[p]);
          for (const nic of chosen) if (nic) vm.setLink({ nic: nic.index }, up);
          const changed = chosen.filter((n) => n && n.connected !== up);
          expect(Buffer.from(vm.bytes()).equals(Buffer.from(bytes))).toBe(changed.length === 0);
          // Line endings in the edited file are the file's own.
          const edited = Buffer.from(vm.bytes()).toString("latin1");
          if (variant === "crlf") expect(edited.replace(/\r\n/g, "")).not.toContain("\n");
          if (variant === "lf") expect(edited).not.toContain("\r");
          const reread = parseVmConfig(name, vm.bytes()) as TextVmConfig;
          for (const nic of chosen) if (nic) reread.setLink({ nic: nic.index }, nic.connected);
          expect(Buffer.from(reread.bytes()).equals(Buffer.from(bytes))).toBe(true);
        }),
        { numRuns: 20 },
      );
    });
  }
});
