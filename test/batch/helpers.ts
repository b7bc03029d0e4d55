/**
 * For the wave tests: the CLI bundled once with esbuild (a child then starts in a fraction of a
 * second, and the wave's workers are started from the same file, as from bin/p2vfix.js), and a
 * wave of scenario images in several container formats made by qemu-img from the demo disk.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { buildSync } from "esbuild";
import { runTool } from "../helpers/interop.js";

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "../..");
const demo = join(root, "test/fixtures/scenarios/demo-hp-proliant.vhdx.gz");

let bundled: string | undefined;
/** The bundle sits at TMP/a/b/cli.mjs with TMP/data and TMP/node_modules linked to the project's, where the sources look for them. */
export function cliBundle(): string {
  if (!bundled) {
    const top = mkdtempSync(join(tmpdir(), "p2vfix-batch-cli-"));
    symlinkSync(join(root, "data"), join(top, "data"));
    symlinkSync(join(root, "node_modules"), join(top, "node_modules"));
    const outdir = join(top, "a", "b");
    mkdirSync(outdir, { recursive: true });
    buildSync({ entryPoints: [join(here, "cli-entry.ts")], bundle: true, platform: "node", format: "esm", packages: "external", outfile: join(outdir, "cli.mjs"), logLevel: "error" });
    bundled = join(outdir, "cli.mjs");
  }
  return bundled;
}

export function runCli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cliBundle(), ...args], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI started in its own process group, so a kill can take the wave's parent and all its workers at once. */
export function startCli(args: string[], cwd: string) {
  return spawn(process.execPath, [cliBundle(), ...args], { cwd, detached: true, stdio: ["ignore", "pipe", "ignore"] });
}

export function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** qemu-img's name for each extension of the wave. */
const FORMATS: Record<string, string> = { raw: "raw", qcow2: "qcow2", vhd: "vpc", vhdx: "vhdx" };

/** The demo disk in each given container format, named NAME.EXT in a new folder; `corrupt` adds a cut-off VHDX. */
export function makeWave(names: string[], options: { corrupt?: string } = {}): { dir: string; images: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-wave-"));
  const source = join(dir, ".demo.vhdx");
  const vhdx = gunzipSync(readFileSync(demo));
  writeFileSync(source, vhdx);
  const images = names.map((name) => {
    const out = join(dir, name);
    const ext = name.split(".").pop()!;
    const r = runTool("qemu-img", ["convert", "-f", "vhdx", "-O", FORMATS[ext]!, source, out]);
    if (r.status !== 0) throw new Error(`qemu-img convert ${name}: ${r.stderr}`);
    return out;
  });
  if (options.corrupt) {
    // The first 64 KiB of a VHDX: its headers name a BAT and metadata past the end of the file.
    writeFileSync(join(dir, options.corrupt), vhdx.subarray(0, 64 * 1024));
    images.push(join(dir, options.corrupt));
  }
  return { dir, images };
}

export function undoFilesOf(image: string): string[] {
  const name = image.split("/").pop()!;
  return readdirSync(dirname(image)).filter((n) => n.startsWith(`${name}.`) && n.endsWith(".p2vfix-undo"));
}

/** qemu-img check for the formats it can check (not raw, not vpc). */
export function qemuCheck(image: string): { status: number; out: string } | undefined {
  const ext = image.split(".").pop()!;
  if (ext !== "qcow2" && ext !== "vhdx") return undefined;
  const r = runTool("qemu-img", ["check", "-f", FORMATS[ext]!, image]);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
