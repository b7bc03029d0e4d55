/**
 * Issue 17: peak RSS of every command stays under 3x the largest hive plus a fixed margin.
 * Each command runs as a real CLI child process twice, on the largest corpus hive (regipy
 * SYSTEM, 11.8 MB; hives/MANIFEST.md) and on a small SYSTEM hive (the image fixture's, 44 KiB),
 * and its peak RSS (VmHWM on Linux, see helpers/peak-rss-child.mjs: getrusage's maxrss carries
 * the forked test worker's RSS across exec) is compared: large <= small + 3 x hive + 24 MiB. The
 * small run is the fixed margin measured in the same run: Node and the modules that command
 * loads; 24 MiB covers V8's lazy collection, which depends on how busy the machine is. (Before
 * the VmHWM fix the slack was 32 MiB: apply --dry-run seemed to peak at 113 MiB alone and 131 MiB
 * beside other test files, the worker's own RSS showing through.) The children run the built
 * CLI (dist/, as `npm install` leaves it in CI): under tsx the transform's own memory differs between the two runs by up to 20 MiB, more than what
 * is measured. Without a dist/ newer than every source file the tests skip and say so (and fail
 * under P2VFIX_INTEROP=required). Memory is asserted, time is not.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpusFile, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { fixtureFile } from "../helpers/fixtures.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const built = join(root, "dist/cli/main.js");

/** Newest modification time of the files under `folder`. */
function newest(folder: string): number {
  let max = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) max = Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return max;
}

const distReady = existsSync(built) && statSync(built).mtimeMs >= newest(join(root, "src"));
const noDistReason = "dist/ is missing or older than src/: run `npm run build` first";
if (!distReady && process.env.P2VFIX_INTEROP === "required") throw new Error(`${noDistReason} (P2VFIX_INTEROP=required: the peak RSS tests must run)`);
const MiB = 1024 * 1024;
const SLACK = 24 * MiB;
const dir = mkdtempSync(join(tmpdir(), "p2vfix-rss-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stderr: string;
  peak: number;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(root, "test/helpers/peak-rss-child.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * MiB,
    env: { ...process.env, P2VFIX_MAIN: built, NO_COLOR: "1" },
  });
  const rss = /maxrss-kib (\d+)\s*$/.exec(r.stderr);
  expect(rss, r.stderr).not.toBeNull();
  return { status: r.status, stderr: r.stderr, peak: Number(rss![1]) * 1024 };
}

/** A mounted-Windows-root layout holding `system` as its SYSTEM hive. */
function windowsRoot(name: string, system: string): { root: string; hive: string } {
  const config = join(dir, name, "Windows/System32/config");
  mkdirSync(config, { recursive: true });
  copyFileSync(system, join(config, "SYSTEM"));
  return { root: join(dir, name), hive: join(config, "SYSTEM") };
}

const skipReason = !distReady ? noDistReason : !hasCorpus() ? noCorpusReason : undefined;

describe.skipIf(skipReason !== undefined)(`peak RSS per command${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let large: { root: string; hive: string };
  let small: { root: string; hive: string };
  let hiveSize = 0;

  beforeAll(async () => {
    large = windowsRoot("large", await corpusFile("hives/regipy/SYSTEM.xz"));
    small = windowsRoot("small", fixtureFile("image/SYSTEM"));
    hiveSize = statSync(large.hive).size;
    expect(hiveSize).toBe(11_771_904);
  });

  /**
   * Runs `args(which)` on both inputs; both must succeed, and the large one stay under
   * `hives` x the hive + the margin (3, the issue's figure, unless a command is a known gap).
   */
  function measure(label: string, args: (which: "small" | "large") => string[], hives = 3): void {
    const s = cli(...args("small"));
    expect(s.status, s.stderr).toBe(0);
    const l = cli(...args("large"));
    expect(l.status, l.stderr).toBe(0);
    const budget = s.peak + hives * hiveSize + SLACK;
    const mib = (n: number) => (n / MiB).toFixed(1);
    console.log(`${label}: small ${mib(s.peak)} MiB, large ${mib(l.peak)} MiB, budget ${mib(budget)} MiB`);
    expect(l.peak, `${label}: ${mib(l.peak)} MiB over the budget of ${mib(budget)} MiB`).toBeLessThanOrEqual(budget);
  }

  const input = (which: "small" | "large") => (which === "small" ? small : large);

  it("inspect", { timeout: 120_000 }, () => {
    measure("inspect", (w) => ["inspect", input(w).root, "--target", "hyperv"]);
  });

  it("reg export", { timeout: 120_000 }, () => {
    measure("reg export", (w) => ["reg", "export", input(w).hive, "-o", join(dir, `${w}.reg`)]);
  });

  it("reg import of the whole hive's export into a new hive", { timeout: 120_000 }, () => {
    for (const w of ["small", "large"] as const) {
      if (!existsSync(join(dir, `${w}.reg`))) expect(cli("reg", "export", input(w).hive, "-o", join(dir, `${w}.reg`)).status).toBe(0);
      expect(cli("reg", "new", join(dir, `${w}-new.hiv`), "--root", "SYSTEM").status).toBe(0);
    }
    // Issue 17's budget. The 11.8 MB hive's 27 MB export peaked at 156 MiB, then 109-113 MiB;
    // now about 90 MiB: the hive reserved once from the text size (no growth by doubling), V8's
    // heap sized for memory during an import (src/cli/small-heap.ts), and the final check
    // marking claims in its cell table instead of a second table as large.
    measure("reg import", (w) => ["reg", "import", join(dir, `${w}-new.hiv`), join(dir, `${w}.reg`), "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", "--no-backup"]);
  });

  it("plan", { timeout: 120_000 }, () => {
    measure("plan", (w) => ["plan", input(w).root, "--target", "hyperv", "-o", join(dir, `${w}-plan.yaml`)]);
  });

  it("apply --dry-run", { timeout: 120_000 }, () => {
    for (const w of ["small", "large"] as const) {
      if (!existsSync(join(dir, `${w}-plan.yaml`))) expect(cli("plan", input(w).root, "--target", "hyperv", "-o", join(dir, `${w}-plan.yaml`)).status).toBe(0);
    }
    measure("apply --dry-run", (w) => ["apply", input(w).root, join(dir, `${w}-plan.yaml`), "--dry-run"]);
  });

  it("cat", { timeout: 120_000 }, () => {
    // The hive's bytes go to standard output (collected by the parent).
    measure("cat", (w) => ["cat", `${input(w).root}:Windows/System32/config/SYSTEM`]);
  });
});
