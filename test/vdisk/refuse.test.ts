/**
 * What p2vfix cannot read is refused with an ImageError naming it: backing chains, encryption,
 * pending VHDX logs, qcow2 features it does not implement, unknown container formats.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImageError, P2vfixError, RefusedError } from "../../src/errors.js";
import { openImage } from "../../src/vdisk/index.js";
import { crc32c } from "../../src/vdisk/vhdx/crc32c.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { fixturePath, scratchDir } from "./fixtures.js";

const scratch = scratchDir("refuse");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function refusal(path: string): P2vfixError {
  try {
    openImage(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(P2vfixError);
    return err as P2vfixError;
  }
  throw new Error(`${path} opened, but it should have been refused`);
}

function qemuImg(...args: string[]): void {
  const r = runTool("qemu-img", args);
  if (r.status !== 0) throw new Error(`qemu-img ${args.join(" ")}: ${r.stderr}`);
}

/** Copy of a fixture with `patch` applied to its bytes. */
function patched(name: string, patch: (bytes: Uint8Array, view: DataView) => void): string {
  const out = join(scratch, `patched-${Math.random().toString(36).slice(2)}-${name}`);
  const bytes = new Uint8Array(readFileSync(fixturePath(name)));
  patch(bytes, new DataView(bytes.buffer));
  writeFileSync(out, bytes);
  return out;
}

/** Rewrites the CRC-32C of the VHDX header at `at` (4 KiB, checksum at +4). */
function resealVhdxHeader(bytes: Uint8Array, view: DataView, at: number): void {
  view.setUint32(at + 4, 0, true);
  view.setUint32(at + 4, crc32c(bytes.subarray(at, at + 4096)), true);
}

describe("CRC-32C", () => {
  it("matches the Castagnoli check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });
});

describe("VHDX refusals (patched qemu-made files)", () => {
  it("refuses a VHDX whose log must be replayed", () => {
    const path = patched("default.vhdx", (b, v) => {
      for (const at of [65536, 131072]) {
        b[at + 48] = 0x5a; // LogGuid non-zero
        resealVhdxHeader(b, v, at);
      }
    });
    const err = refusal(path);
    expect(err.code).toBe("unsupported-log");
    expect(err.message).toMatch(/log/);
  });

  it("uses the other header when one is corrupt, with a warning", () => {
    const path = patched("default.vhdx", (b) => {
      b[65536 + 100] ^= 0xff;
    });
    const image = openImage(path);
    expect(image.format).toBe("vhdx");
    expect(image.warnings.join("\n")).toMatch(/header 1 is invalid/);
    image.close();
    const both = patched("default.vhdx", (b) => {
      b[65536 + 8] ^= 1;
      b[131072 + 8] ^= 1;
    });
    expect(refusal(both).code).toBe("bad-header");
  });
});

describe.skipIf(!toolsAvailable("qemu-img"))("refusals of qemu-made images", () => {
  it("refuses a qcow2 overlay with a backing file", () => {
    const base = join(scratch, "base.qcow2");
    const over = join(scratch, "over.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", base, "64M");
    qemuImg("create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", over);
    const err = refusal(over);
    expect(err).toBeInstanceOf(ImageError);
    expect(err.code).toBe("unsupported-backing-file");
    expect(err.message).toContain("base.qcow2");
  });

  it("refuses extended L2 entries and zstd compression", () => {
    const ext = join(scratch, "ext.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", "-o", "extended_l2=on", ext, "16M");
    expect(refusal(ext).code).toBe("unsupported-extended-l2");
    const zstd = join(scratch, "zstd.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", "-o", "compression_type=zstd", zstd, "16M");
    expect(refusal(zstd).code).toBe("unsupported-compression");
  });

  it("refuses a VMDK delta disk naming its parent", () => {
    const base = join(scratch, "base.vmdk");
    const delta = join(scratch, "delta.vmdk");
    qemuImg("create", "-q", "-f", "vmdk", base, "16M");
    qemuImg("create", "-q", "-f", "vmdk", "-b", base, "-F", "vmdk", delta);
    const err = refusal(delta);
    expect(err.code).toBe("unsupported-differencing");
    expect(err.message).toMatch(/parent/);
  });

  it.each([
    ["vdi", "VirtualBox VDI"],
    ["qed", "QED"],
  ])("refuses %s by name", (format, name) => {
    const path = join(scratch, `x.${format}`);
    qemuImg("create", "-q", "-f", format, path, "16M");
    const err = refusal(path);
    expect(err.code).toBe("unsupported-format");
    expect(err.message).toContain(name);
  });
});

describe("other refusals", () => {
  it("refuses an encrypted qcow2 (crypt_method set)", () => {
    // qemu's LUKS creation benchmarks the CPU and fails intermittently on shared machines,
    // so set the header field of a qemu-made image instead: 2 = LUKS.
    const path = patched("v3.qcow2", (_b, v) => v.setUint32(32, 2, false));
    const err = refusal(path);
    expect(err.code).toBe("unsupported-encryption");
    expect(err.message).toMatch(/encrypted/);
  });

  it("refuses a gzip-compressed image, telling the user to decompress it", () => {
    const err = refusal(join(__dirname, "../fixtures/vdisk/stream.vmdk.gz"));
    expect(err.message).toMatch(/decompress/);
  });

  it("refuses VMDK extents outside the descriptor's folder", () => {
    const path = join(scratch, "escape.vmdk");
    writeFileSync(path, '# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "../../etc/passwd" 0\n');
    expect(refusal(path).code).toBe("bad-extent-path");
  });

  it("refuses writes into stream-optimized VMDK, accepts them on raw (write.test.ts covers the other formats)", () => {
    const stream = join(scratch, "w-stream.vmdk");
    copyFileSync(fixturePath("stream.vmdk"), stream);
    expect(() => openImage(stream, { writable: true })).toThrow(RefusedError);
    const raw = join(scratch, "w.raw");
    copyFileSync(fixturePath("disk.raw"), raw);
    const image = openImage(raw, { writable: true });
    image.device.write(512, new Uint8Array([1, 2, 3]));
    expect(Array.from(image.device.read(512, 3))).toEqual([1, 2, 3]);
    image.close();
  });
});
