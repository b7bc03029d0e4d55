/** Detection by content: the file name plays no part (fixtures are opened under swapped names). */
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryDevice } from "../../src/io/memory-device.js";
import { detectFormat, openImage } from "../../src/vdisk/index.js";
import { containerFixtures, fixturePath, scratchDir } from "./fixtures.js";

const scratch = scratchDir("detect");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const expectedKind: Record<string, string> = {
  "vhd-fixed": "vhd",
  "vhd-dynamic": "vhd",
  vhdx: "vhdx",
  "vmdk-sparse": "vmdk-sparse",
  "vmdk-stream": "vmdk-sparse",
  "vmdk-flat": "vmdk-descriptor",
  "vmdk-split": "vmdk-descriptor",
  qcow2: "qcow2",
  raw: "raw",
};

describe("detectFormat", () => {
  it.each(containerFixtures)("$name is detected from its bytes and from a device", ({ name, format }) => {
    const bytes = new Uint8Array(readFileSync(fixturePath(name)));
    expect(detectFormat(bytes).kind).toBe(expectedKind[format]);
    expect(detectFormat(new MemoryDevice(bytes, { writable: false })).kind).toBe(expectedKind[format]);
  });

  it("ignores misleading file names", () => {
    const disguised = join(scratch, "really-a-qcow2.vhd");
    copyFileSync(fixturePath("v3.qcow2"), disguised);
    const image = openImage(disguised);
    expect(image.format).toBe("qcow2");
    image.close();
  });

  it("treats tiny and empty inputs as raw without reading past them", () => {
    expect(detectFormat(new Uint8Array()).kind).toBe("raw");
    expect(detectFormat(new TextEncoder().encode("KDM")).kind).toBe("raw");
    expect(detectFormat(new TextEncoder().encode("KDMV")).kind).toBe("vmdk-sparse");
  });

  it("recognizes a fixed VHD only by the footer at the very end", () => {
    const bytes = new Uint8Array(readFileSync(fixturePath("fixed.vhd")));
    expect(detectFormat(bytes).kind).toBe("vhd");
    expect(detectFormat(bytes.subarray(0, bytes.length - 1)).kind).toBe("raw");
  });
});
