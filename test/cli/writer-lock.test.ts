/** The writer lock beside an image: exclusive, never through a planted symlink, PID and host inside, stale ones taken over, `unlock` explains. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireWriterLock, readWriterLock, writerLockPath } from "../../src/apply/locks.js";
import { ExitCode, RefusedError } from "../../src/errors.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";

async function run(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function scratch(): { dir: string; image: string } {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-lock-"));
  const image = join(dir, "disk.raw");
  writeFileSync(image, new Uint8Array(4096));
  return { dir, image };
}

/** A PID that was just used and has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

describe("writer lock", () => {
  it("carries the owner's PID and host, and is gone after release", () => {
    const { image } = scratch();
    const lock = acquireWriterLock(image);
    const text = readFileSync(writerLockPath(image), "utf8");
    expect(text).toContain(`pid=${process.pid}\n`);
    expect(text).toContain(`host=${hostname()}\n`);
    // Taken again in the same process (CLI, then the transaction), it nests.
    const inner = acquireWriterLock(image);
    inner.release();
    expect(existsSync(writerLockPath(image))).toBe(true);
    lock.release();
    expect(existsSync(writerLockPath(image))).toBe(false);
  });

  it("refuses a symlink planted at the lock name and leaves its victim unchanged", () => {
    const { dir, image } = scratch();
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, writerLockPath(image));
    expect(() => acquireWriterLock(image)).toThrow(RefusedError);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readWriterLock(image)?.state).toBe("not-a-file");
  });

  it("refuses while a live process on this host holds it", () => {
    const { image } = scratch();
    writeFileSync(writerLockPath(image), `pid=${process.ppid}\nhost=${hostname()}\ntime=2026-01-01T00:00:00Z\n`);
    expect(() => acquireWriterLock(image)).toThrow(/in use: another p2vfix \(process \d+/);
  });

  it("takes over a stale lock (its process gone, same host)", () => {
    const { image } = scratch();
    const pid = deadPid();
    writeFileSync(writerLockPath(image), `pid=${pid}\nhost=${hostname()}\ntime=2026-01-01T00:00:00Z\n`);
    expect(readWriterLock(image)?.state).toBe("stale");
    const lock = acquireWriterLock(image);
    expect(readFileSync(writerLockPath(image), "utf8")).toContain(`pid=${process.pid}\n`);
    lock.release();
  });

  it("an empty lock (a run stopped before writing its PID) is explained, and removed by unlock --force only", async () => {
    const { image } = scratch();
    writeFileSync(writerLockPath(image), "");
    expect(() => acquireWriterLock(image)).toThrow(/names no owner.*unlock .*--force/);
    const plain = await run("unlock", image);
    expect(plain.code).toBe(ExitCode.refused);
    expect(existsSync(writerLockPath(image))).toBe(true);
    const forced = await run("unlock", image, "--force");
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/removed/);
    expect(existsSync(writerLockPath(image))).toBe(false);
    expect((await run("unlock", image)).stdout).toMatch(/no p2vfix lock/);
  });

  it("unlock never removes a live lock, even with --force", async () => {
    const { image } = scratch();
    writeFileSync(writerLockPath(image), `pid=${process.ppid}\nhost=${hostname()}\n`);
    const r = await run("unlock", image, "--force");
    expect(r.code).toBe(ExitCode.refused);
    expect(existsSync(writerLockPath(image))).toBe(true);
  });
});

describe.skipIf(!existsSync("/proc/self/stat"))("writer lock of a killed writer that nobody reaped", () => {
  it("a zombie holds no lock: its lock is stale and the next writer takes it over", async () => {
    // `sh` starts a short sleep, then becomes a long one that never reaps it: the short one stays a zombie.
    const { spawn } = await import("node:child_process");
    const parent = spawn("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 10"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()))));
      let state = "";
      for (let i = 0; i < 100 && state !== "Z"; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
        state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      }
      expect(state).toBe("Z");
      const dir = mkdtempSync(join(tmpdir(), "p2vfix-zombie-lock-"));
      const image = join(dir, "disk.raw");
      writeFileSync(image, new Uint8Array(4096));
      writeFileSync(writerLockPath(image), `pid=${pid}\nhost=${hostname()}\ntime=2026-12-05T00:00:00.000Z\n`);
      expect(readWriterLock(image)?.state).toBe("stale");
      const lock = acquireWriterLock(image);
      expect(readFileSync(writerLockPath(image), "utf8")).toContain(`pid=${process.pid}`);
      lock.release();
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
