/**
 * A sysadmin's first hour (issue 19): the whole job in one command, errors that say what
 * happened (typed, exit codes, JSON with --json), warnings on the terminal, a read-only image
 * refused, a full disk reported with the image's fate, and the next apply working afterwards.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writerLockPath } from "../../src/apply/locks.js";
import { ExitCode } from "../../src/errors.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";

const root = resolve(import.meta.dirname, "../..");
const demo = join(root, "examples/demo-hp-proliant.qcow2");

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function demoCopy(name = "demo.qcow2"): { dir: string; image: string } {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-first-hour-"));
  const image = join(dir, name);
  copyFileSync(demo, image);
  return { dir, image };
}

/** The registry content of both hives written, as .reg text (no timestamps). */
async function hivesAsReg(image: string): Promise<string> {
  let text = "";
  for (const hive of ["SYSTEM", "SOFTWARE"]) {
    const r = await run("reg", "export", `${image}:${hive}`);
    expect(r.code).toBe(0);
    text += r.stdout;
  }
  return text;
}

describe("usage errors", () => {
  it("a MAC that is not one is exit 2, for plan and fix, and nothing is written", async () => {
    const { image } = demoCopy();
    const plan = await run("plan", image, "--target", "hyperv", "--mac", "zz:zz");
    expect(plan.code).toBe(ExitCode.usage);
    expect(plan.stderr).toMatch(/bad-mac: --mac "zz:zz" is not a MAC address/);
    expect((await run("fix", image, "--mac", "00:15:5d:01:02", "--yes")).code).toBe(ExitCode.usage);
    expect(readFileSync(image)).toEqual(readFileSync(demo));
  });

  it("hypervisor names: aliases in any case; an unknown one lists what is accepted", async () => {
    const { image } = demoCopy();
    const canonical = await run("plan", image, "--target", "hyperv");
    for (const alias of ["Hyper-V", "HYPERV", "hyper_v"]) expect((await run("plan", image, "--target", alias)).stdout).toBe(canonical.stdout);
    const kvm = (await run("plan", image, "--target", "kvm")).stdout;
    expect((await run("plan", image, "--target", "Proxmox")).stdout).toBe(kvm);
    expect((await run("plan", image, "--target", "qemu")).stdout).toBe(kvm);
    expect((await run("plan", image, "--target", "ESXi")).stdout).toBe((await run("plan", image, "--target", "vmware")).stdout);
    const bad = await run("inspect", image, "--target", "virtualpc");
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/hyperv \(Hyper-V, Azure\), vmware \(ESXi/);
  });

  it("--json errors are JSON on stderr (typed, usage and commander errors alike)", async () => {
    const missing = await run("inspect", "/nonexistent/disk.vhdx", "--json");
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stderr).error).toMatchObject({ exitCode: missing.code });
    const usage = await run("plan", demo, "--mac", "nope", "--json");
    expect(JSON.parse(usage.stderr).error).toMatchObject({ code: "bad-mac", exitCode: ExitCode.usage });
    const unknown = await run("inspect", demo, "--json", "--no-such-option");
    expect(unknown.code).toBe(ExitCode.usage);
    expect(JSON.parse(unknown.stderr).error.code).toMatch(/^usage:/);
  });
});

describe("formats and copies", () => {
  it("an E01 image gets the ewfexport/ewfmount hint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-e01-"));
    const e01 = join(dir, "server 1.E01");
    writeFileSync(e01, Buffer.concat([Buffer.from("EVF\x09\x0d\x0a\xff\x00", "latin1"), Buffer.alloc(4096)]));
    const r = await run("inspect", e01);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/EnCase EWF \(E01\) images are not supported; convert it to a raw image first: ewfexport -t disk -f raw '.*server 1.E01'.*ewfmount/);
  });

  it("cp out refuses to overwrite without --force", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-cp-"));
    const dest = join(dir, "SYSTEM");
    writeFileSync(dest, "mine\n");
    const r = await run("cp", `${demo}:SYSTEM`, dest);
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toMatch(/destination-exists: .* exists already: nothing was copied; pass --force/);
    expect(readFileSync(dest, "utf8")).toBe("mine\n");
    expect((await run("cp", `${demo}:SYSTEM`, dest, "--force")).code).toBe(0);
    expect(readFileSync(dest).subarray(0, 4).toString()).toBe("regf");
  });
});

describe("I/O errors are typed, with a sentence to act on and no stack trace", () => {
  it("a missing output folder", async () => {
    const { dir, image } = demoCopy();
    const r = await run("plan", image, "-o", join(dir, "no-such-folder", "plan.yaml"));
    expect(r.code).toBe(ExitCode.io);
    expect(r.stderr).toMatch(/io-enoent: .*no-such-folder\/plan.yaml does not exist: .*its folder must exist/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    // --debug adds the stack.
    expect((await run("plan", image, "-o", join(dir, "no-such-folder", "plan.yaml"), "--debug")).stderr).toMatch(/\n\s+at /);
  });

  it("a folder where a file is expected", async () => {
    const { dir, image } = demoCopy();
    mkdirSync(join(dir, "plan.yaml"));
    const r = await run("plan", image, "-o", join(dir, "plan.yaml"));
    expect(r.code).toBe(ExitCode.io);
    expect(r.stderr).toMatch(/io-eisdir: .*is a folder where a file was expected/);
  });
});

describe("apply and fix", () => {
  it("a read-only image file is refused even as root, unless --force", async () => {
    const { dir, image } = demoCopy();
    const plan = join(dir, "plan.yaml");
    expect((await run("plan", image, "--target", "hyperv", "-o", plan)).code).toBe(0);
    chmodSync(image, 0o444);
    const r = await run("apply", image, plan);
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toMatch(/image-read-only: .* is read-only \(mode 444\).*--force/);
    expect(readFileSync(image)).toEqual(readFileSync(demo));
    expect((await run("fix", image, "--target", "hyperv", "--yes")).code).toBe(ExitCode.refused);
    expect(readFileSync(image)).toEqual(readFileSync(demo));
    if (process.getuid?.() === 0) {
      expect((await run("apply", image, plan, "--force")).code).toBe(0);
      expect(readFileSync(image)).not.toEqual(readFileSync(demo));
    }
  });

  it("plan and apply print every warning; apply's --json carries them", async () => {
    const { dir, image } = demoCopy();
    const plan = join(dir, "plan.yaml");
    const p = await run("plan", image, "--target", "hyperv", "-o", plan);
    expect(p.stdout).toMatch(/(\d+) registry values to set or delete/);
    expect(p.stdout).toMatch(/2 warnings:\n {2}! \[teaming\] .*\n {2}! \[static-ip\] .*has no new NIC: its configuration is cleared from the ghost and recorded/);
    // Plan to stdout: the YAML stays clean, the warnings go to stderr.
    const toStdout = await run("plan", image, "--target", "hyperv");
    expect(toStdout.stderr).toMatch(/2 warnings:/);
    expect(toStdout.stdout).not.toMatch(/2 warnings:/);
    const a = await run("apply", image, plan, "--json");
    expect(a.code).toBe(0);
    const report = JSON.parse(a.stdout);
    expect(report.warnings.map((w: { source: string }) => w.source)).toEqual(expect.arrayContaining(["teaming", "static-ip", "runner"]));
    // Plan and apply count the same thing: registry values.
    const planned = Number(/(\d+) registry values to set or delete/.exec(p.stdout)![1]);
    expect(report.diff.filter((d: { action: string }) => d.action === "set-value" || d.action === "delete-value").length).toBe(planned);
  });

  it("fix without a terminal and without --yes writes nothing and says why", async () => {
    const { image } = demoCopy();
    const r = await run("fix", image, "--target", "hyperv");
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stdout).toMatch(/findings: 3 problems, 3 warnings/);
    expect(r.stdout).toMatch(/plan: 8 fixups/);
    expect(r.stderr).toMatch(/confirmation-needed: nothing was written: .*--yes/);
    expect(readFileSync(image)).toEqual(readFileSync(demo));
    expect(existsSync(writerLockPath(image))).toBe(false);
  });

  it("fix --yes on the demo image writes what plan + apply write", async () => {
    const a = demoCopy("disk.qcow2");
    const b = demoCopy("disk.qcow2");
    const keptPlan = join(a.dir, "kept.yaml");
    const fixed = await run("fix", a.image, "--target", "Hyper-V", "--yes", "--plan-out", keptPlan, "--json");
    expect(fixed.code).toBe(0);
    const planB = join(b.dir, "plan.yaml");
    expect((await run("plan", b.image, "--target", "hyperv", "-o", planB)).code).toBe(0);
    const applied = await run("apply", b.image, planB, "--json");
    expect(applied.code).toBe(0);
    const fixReport = JSON.parse(fixed.stdout);
    const applyReport = JSON.parse(applied.stdout);
    // The same ranges of the same files, the same registry changes, and the same hive contents.
    expect(fixReport.image.files.map((f: { ranges: unknown }) => f.ranges)).toEqual(applyReport.image.files.map((f: { ranges: unknown }) => f.ranges));
    expect(fixReport.image.bytesWritten).toBe(applyReport.image.bytesWritten);
    const strip = (d: { after?: string }[]) => d.map((e) => ({ ...e, after: e.after?.replaceAll(a.dir, "DIR").replaceAll(b.dir, "DIR") }));
    expect(strip(fixReport.diff)).toEqual(strip(applyReport.diff));
    expect((await hivesAsReg(a.image)).replaceAll(a.dir, "DIR")).toBe((await hivesAsReg(b.image)).replaceAll(b.dir, "DIR"));
    // The kept plan is the plan `plan -o` writes.
    expect(readFileSync(keptPlan, "utf8").replaceAll(a.dir, "DIR")).toBe(readFileSync(planB, "utf8").replaceAll(b.dir, "DIR"));
    // --plan-out never overwrites.
    expect((await run("fix", a.image, "--target", "hyperv", "--yes", "--plan-out", keptPlan)).code).toBe(ExitCode.refused);
  });

  it("human output of fix: what was done, the undo file, and the next steps", async () => {
    const { image } = demoCopy("my disk.qcow2");
    const r = await run("fix", image, "--target", "proxmox", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/written: \d+ registry values/);
    expect(r.stdout).toMatch(/undo file: .*p2vfix-undo \(p2vfix undo '.*my disk.qcow2' restores the image\)/);
    expect(r.stdout).toMatch(/next steps:\n {2}1\. Proxmox: qm disk import VMID '.*my disk.qcow2' STORAGE/);
    expect(r.stdout).toMatch(/network adapter unplugged/);
    expect(r.stdout).toMatch(/p2vfix report '.*my disk.qcow2'/);
    // After apply, inspect shows the armed runner and its steps.
    const inspect = await run("inspect", image, "--target", "kvm");
    expect(inspect.stdout).toMatch(/First-boot runner: armed \(hook: setup,service\), at most \d+ boots; 2 steps:\n {3}1\. remove-ghost-devices/);
    const show = await run("firstboot", "show", image, "--ps1");
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^# p2vfix first-boot runner \(state: armed/);
    expect(show.stdout).toMatch(/# ---- step 001: remove-ghost-devices/);
  });

  it("a second writer while the first holds the lock is told 'in use' before anything is read", async () => {
    const { image } = demoCopy();
    // The live holder: our parent process, on this host.
    writeFileSync(writerLockPath(image), `pid=${process.ppid}\nhost=${hostname()}\ntime=2026-01-01T00:00:00Z\n`);
    const r = await run("fix", image, "--target", "hyperv", "--yes");
    expect(r.code).toBe(ExitCode.refused);
    expect(r.stderr).toMatch(/image-locked: .* is in use: another p2vfix \(process \d+/);
    expect(r.stdout).toBe(""); // refused before the image was inspected
    rmSync(writerLockPath(image));
  });

  it("inspect --fail-on problem|warning for scripts", async () => {
    expect((await run("inspect", demo, "--target", "hyperv")).code).toBe(0);
    expect((await run("inspect", demo, "--target", "hyperv", "--fail-on", "problem")).code).toBe(9);
    expect((await run("inspect", demo, "--target", "hyperv", "--fail-on", "nonsense")).code).toBe(ExitCode.usage);
  });
});

/** A small tmpfs: real ENOSPC from the kernel. Needs root (mount); skipped with the reason otherwise. */
function mountSmallTmpfs(): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    return undefined;
  }
}
const fullDisk = mountSmallTmpfs();
afterAll(async () => {
  if (!fullDisk) return;
  // A write's head-start fsync (src/io/writeback.ts) closes its descriptor when the thread pool
  // gets to it, which may be a moment after the command returned: until then the tmpfs is busy.
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync("umount", [fullDisk], { stdio: "pipe" });
      return;
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});
if (!fullDisk) console.warn("disk-full tests skipped: mounting a tmpfs needs root on Linux");

describe.skipIf(!fullDisk)("disk full (a 2 MiB tmpfs)", () => {
  /** Fills the tmpfs, then frees `leaveKiB`. */
  function fill(leaveKiB: number): string {
    const filler = join(fullDisk!, "fill");
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=4k"], { stdio: "ignore" });
    } catch {
      // dd stops with ENOSPC: that is the point.
    }
    if (leaveKiB > 0) execFileSync("truncate", ["-s", `-${leaveKiB}K`, filler]);
    return filler;
  }

  for (const [leave, fate] of [
    [0, /writing the lock file: .*; the image was not changed/],
    [64, /the image was (rolled back to its original bytes|not changed)/],
  ] as const) {
    it(`${leave} KiB left: typed error, the image's fate said, no lock left behind; the next apply works once space is freed`, async () => {
      for (const name of readdirSync(fullDisk!)) rmSync(join(fullDisk!, name), { recursive: true });
      const image = join(fullDisk!, "demo.qcow2");
      copyFileSync(demo, image);
      const plan = join(mkdtempSync(join(tmpdir(), "p2vfix-full-plan-")), "plan.yaml");
      expect((await run("plan", image, "--target", "hyperv", "-o", plan)).code).toBe(0);
      const filler = fill(leave);
      const r = await run("apply", image, plan);
      expect(r.code).toBe(ExitCode.io);
      expect(r.stderr).toMatch(/^p2vfix: io-enospc: no space left on the device holding /);
      expect(r.stderr).toMatch(fate);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(readFileSync(image)).toEqual(readFileSync(demo));
      expect(existsSync(writerLockPath(image))).toBe(false);
      rmSync(filler);
      const again = await run("apply", image, plan);
      expect(again.stderr).toBe("");
      expect(again.code).toBe(0);
      expect(readFileSync(image)).not.toEqual(readFileSync(demo));
    });
  }
});
