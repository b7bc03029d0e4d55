/**
 * /proc/locks read ahead on the thread pool (src/apply/proc-locks-ahead.ts): the in-use check
 * (locksOnFile) takes the text read ahead, once, and finds in it a lock taken before the read
 * (flock(1) holds one on a file while its command runs); later reads go to the file.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { locksOnFile } from "../../src/apply/locks.js";
import { readProcLocksAhead, takeProcLocksReadAhead } from "../../src/apply/proc-locks-ahead.js";

const dir = mkdtempSync(join(tmpdir(), "p2vfix-proc-locks-ahead-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flockAvailable = process.platform === "linux" && spawnSync("flock", ["--version"]).status === 0;

// In order: the read ahead happens once per process (this file's module instance).
describe.skipIf(!flockAvailable)("/proc/locks read ahead", () => {
  it("the in-use check takes the text read ahead, with a lock held before the read", async () => {
    const image = join(dir, "disk.img");
    writeFileSync(image, Buffer.alloc(4096));
    const holder = spawn("flock", [image, "sleep", "30"], { stdio: "ignore" });
    try {
      for (let i = 0; i < 250 && !readFileSync("/proc/locks", "utf8").includes(` ${holder.pid} `); i++) await new Promise((done) => setTimeout(done, 20));
      const started = readProcLocksAhead();
      expect(readProcLocksAhead()).toBe(started);
      await started;
      expect(takeProcLocksReadAhead("/etc/hostname")).toBeUndefined();
      expect(locksOnFile(image).map((lock) => lock.pid)).toContain(holder.pid);
      // locksOnFile took it: nothing left to take.
      expect(takeProcLocksReadAhead("/proc/locks")).toBeUndefined();
    } finally {
      holder.kill();
    }
  });

  it("is read once per process: later checks read /proc/locks themselves", async () => {
    await readProcLocksAhead();
    expect(takeProcLocksReadAhead("/proc/locks")).toBeUndefined();
    const image = join(dir, "later.img");
    writeFileSync(image, Buffer.alloc(4096));
    const holder = spawn("flock", [image, "sleep", "30"], { stdio: "ignore" });
    try {
      for (let i = 0; i < 250 && !readFileSync("/proc/locks", "utf8").includes(` ${holder.pid} `); i++) await new Promise((done) => setTimeout(done, 20));
      expect(locksOnFile(image).map((lock) => lock.pid)).toContain(holder.pid);
    } finally {
      holder.kill();
    }
  });
});
