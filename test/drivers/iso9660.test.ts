/**
 * ISO 9660 reading against images made by genisoimage and xorriso: names from Joliet, Rock
 * Ridge and plain ISO 9660, file bytes, and hostile images (truncated, UDF-only, a directory
 * cycle, random byte damage) giving typed errors, never a hang or another exception.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { IsoError } from "../../src/errors.js";
import { openIso } from "../../src/drivers/iso9660.js";
import { MemoryDevice } from "../../src/io/memory-device.js";
import { toolsAvailable } from "../helpers/interop.js";
import { makeIso, writeHostTree, type HostTree } from "./iso-helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-iso-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
const tree: HostTree = {
  "viostor/2k19/amd64/viostor.inf": "[Version]\r\nSignature=\"$WINDOWS NT$\"\r\n",
  "viostor/2k19/amd64/viostor.sys": big,
  "viostor/w7/x86/viostor.sys": "x86 build",
  "NetKVM/w10/ARM64/netkvm.sys": "arm",
  "Mixed Case Folder/Long File Name With Spaces.txt": "hello",
};

const iso = (flavour: Parameters<typeof makeIso>[2]) => makeIso(writeHostTree(join(work, "src"), tree), join(work, `${flavour}.iso`), flavour);
const files = (bytes: Uint8Array) => openIso(new MemoryDevice(bytes, { writable: false }), "test.iso");

describe.skipIf(!toolsAvailable("genisoimage", "xorriso"))("ISO 9660 reader", () => {
  for (const flavour of ["joliet", "rock-ridge", "joliet+rock-ridge", "xorriso"] as const) {
    it(`${flavour}: names and bytes as on the host`, () => {
      const image = files(iso(flavour));
      expect(image.names).toBe(flavour === "rock-ridge" ? "rock-ridge" : "joliet");
      const list = image.list();
      expect(list.filter((e) => !e.directory).map((e) => e.path).sort()).toEqual(Object.keys(tree).map((p) => "/" + p).sort());
      const sys = list.find((e) => e.path === "/viostor/2k19/amd64/viostor.sys")!;
      expect(Buffer.from(image.read(sys))).toEqual(Buffer.from(big));
      const txt = list.find((e) => e.name === "Long File Name With Spaces.txt")!;
      expect(new TextDecoder().decode(image.read(txt))).toBe("hello");
    });
  }

  it("plain ISO 9660: upper-case 8.3-ish names, version suffix stripped", () => {
    const image = files(iso("plain"));
    expect(image.names).toBe("iso9660");
    const paths = image.list().map((e) => e.path);
    expect(paths).toContain("/VIOSTOR/2K19/AMD64/VIOSTOR.SYS");
    expect(paths.some((p) => p.includes(";"))).toBe(false);
  });

  it("truncated image: typed error naming the extent", () => {
    const bytes = iso("joliet");
    const cut = bytes.subarray(0, bytes.length - 500_000);
    expect(() => files(cut).list()).toThrow(IsoError);
    expect(() => files(new Uint8Array(40_000))).toThrow(/not an ISO 9660 image/);
  });

  it("UDF-only image: refused with its own code", () => {
    const bytes = new Uint8Array(20 * 2048);
    const put = (sector: number, id: string) => bytes.set(new TextEncoder().encode(`\u0000${id}\u0001`), sector * 2048);
    put(16, "BEA01");
    put(17, "NSR02");
    put(18, "TEA01");
    expect(() => files(bytes)).toThrow(expect.objectContaining({ code: "udf-only" }));
  });

  it("a directory whose child points back at an ancestor is a cycle, not a hang", () => {
    const bytes = iso("rock-ridge");
    const image = files(bytes);
    // Point every directory record's extent at the root's: the walk must stop with a typed error.
    const rootExtent = new DataView(bytes.buffer, bytes.byteOffset).getUint32(16 * 2048 + 156 + 2, true);
    const rootOffset = rootExtent * 2048;
    let patched = 0;
    for (let i = rootOffset; i < rootOffset + 2048 && bytes[i] !== 0; i += bytes[i]) {
      if ((bytes[i + 25] & 2) !== 0 && bytes[i + 32] !== 1) {
        new DataView(bytes.buffer, bytes.byteOffset).setUint32(i + 2, rootExtent, true);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    expect(image.names).toBe("rock-ridge");
    expect(() => files(bytes).list()).toThrow(expect.objectContaining({ code: "directory-cycle" }));
  });

  it("property: damaged bytes in the descriptors and directories give IsoError or a listing, nothing else", () => {
    const seed = iso("joliet+rock-ridge");
    const hot = seed.length;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 16 * 2048, max: Math.min(hot, 40 * 2048) - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }), (edits) => {
        const bytes = seed.slice();
        for (const [at, v] of edits) bytes[at] = v;
        try {
          const image = files(bytes);
          for (const e of image.list()) if (!e.directory && e.size < 1 << 20) image.read(e);
        } catch (err) {
          if (!(err instanceof IsoError)) throw err;
        }
      }),
      { numRuns: 400, seed: 14 },
    );
  });
});
