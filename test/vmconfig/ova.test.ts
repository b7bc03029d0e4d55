/** OVA archives built with GNU tar: the edited .ovf member and its manifest digest verify; other members stay byte for byte. */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openVmConfig } from "../../src/vmconfig/index.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { cli, fixtureBytes } from "./fixture.js";

const OVF = "FS01-p2v.ovf";
const DISK = "FS01-p2v-disk1.vmdk";

/** Packs an OVA the way the OVF spec orders it: descriptor, manifest, then the disk. */
function buildOva(algorithm: "sha1" | "sha256", extra: string[] = []): { path: string; disk: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-ova-"));
  const src = join(dir, "src");
  mkdirSync(src);
  const ovf = fixtureBytes(OVF);
  const disk = randomBytes(3000);
  writeFileSync(join(src, OVF), ovf);
  writeFileSync(join(src, DISK), disk);
  const tag = algorithm.toUpperCase();
  const digest = (b: Buffer): string => createHash(algorithm).update(b).digest("hex");
  writeFileSync(join(src, "FS01-p2v.mf"), `${tag}(${OVF})= ${digest(ovf)}\n${tag}(${DISK})= ${digest(disk)}\n`);
  for (const e of extra) writeFileSync(join(src, e), "certificate\n");
  const path = join(dir, "FS01-p2v.ova");
  const r = runTool("tar", ["--format=ustar", "-cf", path, "-C", src, OVF, "FS01-p2v.mf", DISK, ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return { path, disk };
}

function extract(ova: string): string {
  const out = mkdtempSync(join(tmpdir(), "p2vfix-ova-x-"));
  const r = runTool("tar", ["-xf", ova, "-C", out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe.skipIf(!toolsAvailable("tar", "sha1sum", "sha256sum"))("OVA", () => {
  for (const algorithm of ["sha1", "sha256"] as const) {
    it(`unplug rewrites the .ovf member and its ${algorithm} manifest line; plug restores the archive byte for byte`, async () => {
      const { path, disk } = buildOva(algorithm);
      const original = readFileSync(path);
      const vm = openVmConfig(path);
      expect(vm.format).toBe("ova");
      expect(vm.nics().map((n) => n.connected)).toEqual([true, true]);

      const r = await cli("vm", "unplug", path, "--all");
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(`${path}.bak`).equals(original)).toBe(true);
      const out = extract(path);
      const ovf = readFileSync(join(out, OVF));
      expect(ovf.toString()).toContain("<rasd:AutomaticAllocation>false</rasd:AutomaticAllocation>");
      expect(readFileSync(join(out, DISK)).equals(disk)).toBe(true);
      // The manifest verifies with node:crypto and with coreutils.
      const mf = readFileSync(join(out, "FS01-p2v.mf"), "utf8");
      expect(mf).toContain(`(${OVF})= ${createHash(algorithm).update(ovf).digest("hex")}`);
      const check = mf.replace(/^SHA(?:1|256)\((.+)\)= ([0-9a-f]+)$/gm, "$2  $1");
      writeFileSync(join(out, "check.txt"), check);
      const sum = runTool(`${algorithm}sum`, ["-c", "check.txt"], { cwd: out });
      expect(sum.status, sum.stdout.toString()).toBe(0);
      // tar itself sees a sound archive with the same members in the same order.
      const list = runTool("tar", ["-tf", path]);
      expect(list.stdout.toString().trim().split("\n")).toEqual([OVF, "FS01-p2v.mf", DISK]);
      expect(openVmConfig(path).nics().map((n) => n.connected)).toEqual([false, false]);

      expect((await cli("vm", "plug", path, "--all", "--no-backup")).code).toBe(0);
      expect(readFileSync(path).equals(original)).toBe(true);
    });
  }

  it("refuses to edit a signed OVA and leaves it as it was", async () => {
    const { path } = buildOva("sha256", ["FS01-p2v.cert"]);
    const original = readFileSync(path);
    const r = await cli("vm", "unplug", path, "--all");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("signed-ova");
    expect(readFileSync(path).equals(original)).toBe(true);
  });

  it("names the fault in a tar whose header checksum is wrong", async () => {
    const { path } = buildOva("sha1");
    const bytes = readFileSync(path);
    const second = 512 + Math.ceil(fixtureBytes(OVF).length / 512) * 512;
    bytes[second + 10] = (bytes[second + 10] ?? 0) ^ 0xff; // in the manifest member's header
    writeFileSync(path, bytes);
    const r = await cli("vm", "show", path);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`malformed-tar: tar header at ${second}: checksum mismatch`);
  });
});

describe.skipIf(!toolsAvailable("tar"))("OVA fuzz", () => {
  it("mutated archives give a typed error or a model, never a crash or a hang", async () => {
    const { default: fc } = await import("fast-check");
    const { P2vfixError } = await import("../../src/errors.js");
    const { path } = buildOva("sha256");
    const original = readFileSync(path);
    const target = `${path}.fuzz`;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(original.length), (flips, cut) => {
        const bytes = Buffer.from(original.subarray(0, Math.max(512, cut)));
        // Aim most flips at header blocks, where the structure is.
        for (const [at, value] of flips) {
          const block = Math.floor(at / 512) % Math.max(1, Math.floor(bytes.length / 512));
          const inHeader = block * 512 + (at % 512);
          if (inHeader < bytes.length) bytes[inHeader] = value;
        }
        writeFileSync(target, bytes);
        try {
          openVmConfig(target).nics();
        } catch (err) {
          if (!(err instanceof P2vfixError)) throw err;
        }
      }),
      { numRuns: 100 },
    );
  });
});
