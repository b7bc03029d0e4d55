/**
 * Property tests of container writes: any sequence of writes (random offsets and lengths, so
 * runs start and end anywhere in blocks, grains, clusters and sectors) reads back as the same
 * writes applied to the raw disk, both through the open image and through a fresh open of the
 * result. And writes into images with random bytes overwritten in their metadata end in a
 * readable disk or a typed error, never a crash or hang. Everything goes through overlays, so the
 * fixtures are never modified.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../src/errors.js";
import type { BlockDevice } from "../../src/io/block-device.js";
import { FileDevice } from "../../src/io/file-device.js";
import { OverlayDevice } from "../../src/io/overlay-device.js";
import { openContainer, openImage } from "../../src/vdisk/index.js";
import { fixturePath } from "./fixtures.js";

const formats = ["dynamic.vhd", "block1m.vhdx", "sparse.vmdk", "split.vmdk", "cluster4k.qcow2", "v2.qcow2", "compressed.qcow2"] as const;

const write = fc.record({ offset: fc.nat({ max: 12 * 2 ** 20 - 1 }), length: fc.integer({ min: 1, max: 150_000 }), seed: fc.integer({ min: 1, max: 255 }) });

function fresh(name: string): { path: string; open: () => ReturnType<typeof openContainer>; close: () => void } {
  const path = fixturePath(name);
  const overlays = new Map<string, OverlayDevice>();
  const overlay = (p: string): BlockDevice => {
    let o = overlays.get(p);
    if (!o) {
      o = new OverlayDevice(new FileDevice(p));
      overlays.set(p, o);
    }
    return o;
  };
  return {
    path,
    open: () => openContainer(overlay(path), path, { writable: true, openExtent: (p) => overlay(p) }),
    close: () => {
      for (const o of overlays.values()) o.base.close();
    },
  };
}

function original(name: string): Uint8Array {
  const image = openImage(fixturePath(name));
  try {
    return image.device.read(0, image.virtualSize);
  } finally {
    image.close();
  }
}

describe("random writes read back like the same writes on a raw disk", () => {
  it.each(formats)("%s", (name) => {
    const base = original(name);
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 6 }), (writes) => {
        const model = base.slice();
        const stack = fresh(name);
        try {
          const image = stack.open();
          for (const w of writes) {
            const length = Math.min(w.length, model.length - w.offset);
            const data = new Uint8Array(length).fill(w.seed);
            image.device.write(w.offset, data);
            model.set(data, w.offset);
          }
          expect(Buffer.compare(image.device.read(0, model.length), model)).toBe(0);
          image.close();
          // A fresh open sees the same disk: the metadata on the (overlaid) files is complete.
          const again = stack.open();
          expect(Buffer.compare(again.device.read(0, model.length), model)).toBe(0);
          again.close();
        } finally {
          stack.close();
        }
      }),
      { numRuns: 8, seed: 5 },
    );
  });
});

describe("writes into damaged images", () => {
  it.each(formats.filter((n) => n !== "split.vmdk"))("%s with random metadata bytes changed: a readable disk or a typed error", (name) => {
    const probe = new FileDevice(fixturePath(name));
    const fileSize = probe.size;
    probe.close();
    const mutation = fc.record({ at: fc.nat({ max: Math.min(fileSize, 1 << 20) - 8 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) });
    let written = 0;
    let typed = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.array(write, { minLength: 1, maxLength: 3 }), (mutations, writes) => {
        const device = new OverlayDevice(new FileDevice(fixturePath(name)));
        try {
          for (const m of mutations) device.write(m.at, m.bytes);
          const image = openContainer(device, fixturePath(name), { writable: true });
          for (const w of writes) {
            const length = Math.min(w.length, image.virtualSize - Math.min(w.offset, image.virtualSize - 1));
            const offset = Math.min(w.offset, image.virtualSize - length);
            image.device.write(offset, new Uint8Array(length).fill(w.seed));
            image.device.read(offset, length);
          }
          image.close();
          written++;
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
          typed++;
        } finally {
          device.base.close();
        }
      }),
      { numRuns: 25, seed: 11 },
    );
    // Mutations land anywhere in the first MiB: some hit nothing that matters, so both outcomes occur.
    expect(written).toBeGreaterThan(0);
    expect(typed + written).toBe(25);
  });
});
