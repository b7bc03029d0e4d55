/**
 * The VMDK content ID is replaced in place with a new value of as many digits: qemu writes it
 * unpadded ("CID=%" PRIx32), so CIDs of 1 to 8 hex digits occur (one qemu disk in sixteen has
 * fewer than 8), and a patch must not move any other byte of the descriptor.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newCidPatch } from "../../src/vdisk/vmdk/cid.js";

const descriptor = (cid: string) =>
  new TextEncoder().encode(`# Disk DescriptorFile\nversion=1\nCID=${cid}\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 16384 FLAT "disk-flat.vmdk" 0\n`);

describe("VMDK CID patch", () => {
  it("any CID of 1-8 hex digits: a different value of the same length, in place", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{1,8}$/), (cid) => {
        const bytes = descriptor(cid);
        const patch = newCidPatch(bytes)!;
        expect(patch).toBeDefined();
        const text = new TextDecoder().decode(bytes);
        expect(patch.offset).toBe(text.indexOf(`CID=${cid}`) + 4);
        const next = new TextDecoder().decode(patch.bytes);
        expect(next).toMatch(new RegExp(`^[0-9a-f]{${cid.length}}$`));
        expect(next).not.toBe(cid);
        expect(next).not.toBe("ffffffff");
      }),
      { numRuns: 300 },
    );
  });

  it("a qemu-style unpadded CID (7 digits) is patched, not skipped", () => {
    const patch = newCidPatch(descriptor("fd1a2b3"));
    expect(patch?.bytes.length).toBe(7);
  });

  it("no CID line, no patch; parentCID is not taken for it", () => {
    expect(newCidPatch(new TextEncoder().encode("version=1\nparentCID=ffffffff\n"))).toBeUndefined();
  });
});
