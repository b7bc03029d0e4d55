/**
 * Hand-written VMDK descriptors of the kinds ESXi and Workstation write (VMFS, ZERO and FLAT
 * extents with start offsets, several extents), read against the raw fixture they point into.
 */
import { readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { P2vfixError } from "../../src/errors.js";
import { openImage } from "../../src/vdisk/index.js";
import fc from "fast-check";
import { looksLikeDescriptor, parseDescriptor } from "../../src/vdisk/vmdk/descriptor.js";
import { fixturePath, scratchDir } from "./fixtures.js";

const scratch = scratchDir("descriptor");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
symlinkSync(fixturePath("disk.raw"), join(scratch, "disk-flat.vmdk"));
const raw = new Uint8Array(readFileSync(fixturePath("disk.raw")));

function descriptor(name: string, createType: string, extents: string[]): string {
  const path = join(scratch, name);
  writeFileSync(path, ["# Disk DescriptorFile", "version=1", "CID=fffffffe", "parentCID=ffffffff", `createType="${createType}"`, "", "# Extent description", ...extents, "", 'ddb.adapterType = "lsilogic"', ""].join("\n"));
  return path;
}

describe("VMDK descriptors", () => {
  it("parses fields and extent lines", () => {
    const d = parseDescriptor(new TextEncoder().encode('version=1\nCID=1234abcd\nparentCID=ffffffff\ncreateType="vmfs"\nRW 2048 VMFS "a-flat.vmdk"\nRDONLY 10 FLAT "b.vmdk" 7\nRW 5 ZERO\n'), "x.vmdk");
    expect(d.createType).toBe("vmfs");
    expect(d.fields.get("CID")).toBe("1234abcd");
    expect(d.extents.map((e) => [e.access, e.sectors, e.type, e.file, e.offset])).toEqual([
      ["RW", 2048, "VMFS", "a-flat.vmdk", 0],
      ["RDONLY", 10, "FLAT", "b.vmdk", 7],
      ["RW", 5, "ZERO", undefined, 0],
    ]);
  });

  it("reads an ESXi vmfs descriptor (VMFS extent)", () => {
    const image = openImage(descriptor("esxi.vmdk", "vmfs", [`RW ${raw.length / 512} VMFS "disk-flat.vmdk"`]));
    expect(image.format).toBe("vmdk-flat");
    expect(image.files).toEqual([join(scratch, "esxi.vmdk"), join(scratch, "disk-flat.vmdk")]);
    expect(Buffer.compare(image.device.read(0, raw.length), raw)).toBe(0);
    image.close();
  });

  it("concatenates FLAT extents with start offsets and ZERO extents", () => {
    // Virtual disk = zeros (1 MiB), then raw[2 MiB, 3 MiB), then raw[0, 1 MiB).
    const path = descriptor("multi.vmdk", "monolithicFlat", ['RW 2048 ZERO', 'RW 2048 FLAT "disk-flat.vmdk" 4096', 'RW 2048 FLAT "disk-flat.vmdk" 0']);
    const image = openImage(path);
    const MiB = 1 << 20;
    expect(image.virtualSize).toBe(3 * MiB);
    const all = image.device.read(0, 3 * MiB);
    expect(all.subarray(0, MiB).every((b) => b === 0)).toBe(true);
    expect(Buffer.compare(all.subarray(MiB, 2 * MiB), raw.subarray(2 * MiB, 3 * MiB))).toBe(0);
    expect(Buffer.compare(all.subarray(2 * MiB), raw.subarray(0, MiB))).toBe(0);
    // A read across the extent boundaries.
    expect(Buffer.compare(image.device.read(2 * MiB - 100, 200), Buffer.concat([raw.subarray(3 * MiB - 100, 3 * MiB), raw.subarray(0, 100)]))).toBe(0);
    image.close();
  });

  it("refuses a flat extent larger than its file, a descriptor naming itself as a sparse extent, unknown extent types", () => {
    const cases: [string, string][] = [
      [descriptor("big.vmdk", "monolithicFlat", [`RW ${raw.length / 512 + 1} FLAT "disk-flat.vmdk" 0`]), "points-outside-file"],
      // The descriptor is shorter than a sparse header, so it is cut short before the magic check.
      [descriptor("self.vmdk", "twoGbMaxExtentSparse", ['RW 2048 SPARSE "self.vmdk"']), "truncated"],
      [descriptor("se.vmdk", "seSparse", ['RW 2048 SESPARSE "disk-flat.vmdk"']), "unsupported-extent"],
      [descriptor("missing.vmdk", "monolithicFlat", ['RW 2048 FLAT "nothere-flat.vmdk" 0']), "not-found"],
    ];
    for (const [path, code] of cases) {
      let caught: unknown;
      try {
        openImage(path).close();
      } catch (err) {
        caught = err;
      }
      expect(caught, path).toBeInstanceOf(P2vfixError);
      expect((caught as P2vfixError).code, path).toBe(code);
    }
  });
});

describe("looksLikeDescriptor", () => {
  /** The rule as it reads: the first KiB as Latin-1, its trailing NULs cut, no NUL left, and a descriptor's first lines. */
  const reference = (bytes: Uint8Array): boolean => {
    const text = Buffer.from(bytes.subarray(0, 1024)).toString("latin1").replace(/\0+$/, "");
    if (text.includes("\0")) return false;
    return /^\s*#\s*Disk DescriptorFile/i.test(text) || (/^\s*version\s*=/m.test(text) && /^\s*createType\s*=/m.test(text));
  };
  const text = (value: string) => new Uint8Array(Buffer.from(value, "latin1"));
  const descriptorText = fc.constantFrom("# Disk DescriptorFile\nversion=1\n", 'version=1\ncreateType="monolithicFlat"\n', "  #disk descriptorfile", "createType=x\nversion = 2", "version=1\n", "plain text");

  it("answers as the rule says, for text, NUL padding, NULs inside, and binary heads of any length", () => {
    const piece = fc.oneof(
      descriptorText.map(text),
      fc.integer({ min: 1, max: 600 }).map((length) => new Uint8Array(length)),
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 5 }), (pieces) => {
        const bytes = new Uint8Array(Buffer.concat(pieces));
        expect(looksLikeDescriptor(bytes)).toBe(reference(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("takes a padded descriptor and refuses a boot sector", () => {
    const padded = new Uint8Array(2048);
    padded.set(text("# Disk DescriptorFile\nversion=1\n"));
    expect(looksLikeDescriptor(padded)).toBe(true);
    expect(looksLikeDescriptor(raw.subarray(0, 512))).toBe(false);
    // A NUL before the text's end: binary.
    padded[5] = 0;
    expect(looksLikeDescriptor(padded)).toBe(false);
  });
});
