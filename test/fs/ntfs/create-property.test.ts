/**
 * Property: random sequences of mkdir / create / overwrite / delete against an in-memory model.
 * After each sequence the volume read by a fresh p2vfix reader equals the model (names, kinds,
 * bytes); a refused operation (collision, non-empty folder, missing parent) must be refused
 * by both. The interop variant also reads the result through an ntfs-3g FUSE mount.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryDevice } from "../../../src/io/index.js";
import { openNtfs, type NtfsVolume } from "../../../src/fs/ntfs/volume.js";
import { P2vfixError } from "../../../src/errors.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { fixtureBytes } from "./helpers.js";
import { bitmapMismatches, tempDir } from "./create-helpers.js";

type Model = Map<string, Uint8Array | "dir">;
type Op =
  | { kind: "mkdir"; dir: number; name: string }
  | { kind: "create"; dir: number; name: string; size: number; seed: number; overwrite: boolean }
  | { kind: "remove"; target: number; recursive: boolean };

// Few names, with case variants, so collisions and overwrites happen often.
const names = ["a", "A", "b.txt", "B.TXT", "tools", "Tools", "é", "É", "long-" + "x".repeat(60)];
const sizes = [0, 5, 600, 900, 5000, 70000];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("mkdir" as const), dir: fc.nat(), name: fc.constantFrom(...names) }),
  fc.record({ kind: fc.constant("create" as const), dir: fc.nat(), name: fc.constantFrom(...names), size: fc.constantFrom(...sizes), seed: fc.nat(255), overwrite: fc.boolean() }),
  fc.record({ kind: fc.constant("remove" as const), target: fc.nat(), recursive: fc.boolean() }),
);

const bytes = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
const parentOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/prop";
const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/** Applies `op` to the model; returns false when p2vfix must refuse it. */
function applyModel(model: Model, op: Op): { ok: boolean; path?: string } {
  const dirs = ["/prop", ...[...model].filter(([, v]) => v === "dir").map(([k]) => k)];
  if (op.kind === "remove") {
    const all = [...model.keys()];
    if (all.length === 0) return { ok: true };
    const path = all[op.target % all.length];
    const children = all.filter((k) => k.startsWith(path + "/"));
    if (model.get(path) === "dir" && children.length > 0 && !op.recursive) return { ok: false, path };
    for (const c of children) model.delete(c);
    model.delete(path);
    return { ok: true, path };
  }
  const dir = dirs[op.dir % dirs.length];
  const existing = [...model.keys()].find((k) => parentOf(k) === dir && same(k.slice(dir.length + 1), op.name));
  const path = `${dir}/${op.name}`;
  if (op.kind === "mkdir") {
    if (existing) return { ok: false, path };
    model.set(path, "dir");
    return { ok: true, path };
  }
  if (existing && (model.get(existing) === "dir" || !op.overwrite)) return { ok: false, path };
  if (existing) model.delete(existing);
  model.set(path, bytes(op.size, op.seed));
  return { ok: true, path };
}

function applyVolume(vol: NtfsVolume, op: Op, path: string | undefined): void {
  const w = vol.writer();
  if (op.kind === "remove") {
    if (path) w.remove(path, { recursive: op.recursive });
  } else if (op.kind === "mkdir") w.mkdir(path!);
  else w.createFile(path!, bytes(op.size, op.seed), { overwrite: op.overwrite });
  w.commit();
}

/** The tree under /prop as p2vfix reads it. */
function readVolume(vol: NtfsVolume): Model {
  const out: Model = new Map();
  const walk = (dir: string) => {
    for (const f of vol.list(dir)) {
      if (f.isDirectory) {
        out.set(f.path, "dir");
        walk(f.path);
      } else out.set(f.path, vol.readFile(f.path));
    }
  };
  walk("/prop");
  return out;
}

function readMount(root: string): Model {
  const out: Model = new Map();
  const walk = (host: string, inner: string) => {
    for (const name of readdirSync(host)) {
      const p = join(host, name);
      if (statSync(p).isDirectory()) {
        out.set(`${inner}/${name}`, "dir");
        walk(p, `${inner}/${name}`);
      } else out.set(`${inner}/${name}`, new Uint8Array(readFileSync(p)));
    }
  };
  walk(join(root, "prop"), "/prop");
  return out;
}

function normalized(m: Model): Array<[string, string]> {
  return [...m].map(([k, v]) => [k, v === "dir" ? "dir" : Buffer.from(v).toString("base64")] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

function runSequence(ops: Op[]): { device: MemoryDevice; model: Model } {
  const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
  openNtfs(device).mkdir("/prop");
  const model: Model = new Map();
  for (const op of ops) {
    const expected = applyModel(model, op);
    let refused = false;
    try {
      applyVolume(openNtfs(device), op, expected.path);
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      refused = true;
    }
    expect(refused, `${JSON.stringify(op)} refused`).toBe(!expected.ok);
  }
  return { device, model };
}

/**
 * The whole sequence in one writer session, one commit: what the session keeps between
 * operations (resolved folder paths, each folder's security, its sorted entries, the $MFT
 * bitmap and slots read ahead) must follow its own removals, overwrites and record reuse.
 */
function runOneSession(ops: Op[], shortNames: boolean): { device: MemoryDevice; model: Model } {
  const device = new MemoryDevice(fixtureBytes("write").slice(), { writable: true });
  openNtfs(device).mkdir("/prop");
  const model: Model = new Map();
  const w = openNtfs(device).writer({ shortNames });
  for (const op of ops) {
    const expected = applyModel(model, op);
    let refused = false;
    try {
      if (op.kind === "remove") {
        if (expected.path) w.remove(expected.path, { recursive: op.recursive });
      } else if (op.kind === "mkdir") w.mkdir(expected.path!);
      else w.createFile(expected.path!, bytes(op.size, op.seed), { overwrite: op.overwrite });
    } catch (err) {
      if (!(err instanceof P2vfixError)) throw err;
      refused = true;
    }
    expect(refused, `${JSON.stringify(op)} refused`).toBe(!expected.ok);
  }
  w.commit();
  return { device, model };
}

describe("random create / overwrite / delete / mkdir sequences equal the model", () => {
  it("in one writer session, read back by p2vfix", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.boolean(), (ops, shortNames) => {
        const { device, model } = runOneSession(ops, shortNames);
        const again = openNtfs(device);
        expect(normalized(readVolume(again))).toEqual(normalized(model));
        expect(bitmapMismatches(again)).toEqual([]);
        // No two files of a folder share a name ignoring case, DOS aliases included (a file's own
        // Win32 and DOS names may: "a" and "A").
        for (const folder of ["/prop", ...[...model].filter(([, v]) => v === "dir").map(([k]) => k)]) {
          const owners = new Map<string, Set<number>>();
          for (const entry of again.indexEntries(folder)) {
            const upper = entry.fileName.name.toUpperCase();
            owners.set(upper, (owners.get(upper) ?? new Set()).add(entry.reference.record));
          }
          for (const [name, records] of owners) expect(records.size, `${folder}: ${name}`).toBe(1);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("read back by p2vfix", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const { device, model } = runSequence(ops);
        expect(normalized(readVolume(openNtfs(device)))).toEqual(normalized(model));
      }),
      { numRuns: 25 },
    );
  });

  const fuse = toolsAvailable("ntfs-3g") && existsSync("/dev/fuse");
  it.skipIf(!fuse)("read back by ntfs-3g (FUSE)", () => {
    const dir = tempDir();
    try {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 20 }), (ops) => {
          const { device, model } = runSequence(ops);
          const image = join(dir, "prop.ntfs");
          writeFileSync(image, device.read(0, device.size));
          const mnt = join(dir, "mnt");
          mkdirSync(mnt, { recursive: true });
          expect(runTool("ntfs-3g", ["-o", "ro", image, mnt]).status).toBe(0);
          try {
            expect(normalized(readMount(mnt))).toEqual(normalized(model));
          } finally {
            runTool("umount", [mnt]);
          }
        }),
        { numRuns: 6 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
