/**
 * A wave of scenario images (raw, qcow2, VHD, VHDX made by qemu-img from the demo disk) through
 * `p2vfix batch`: the corrupt one is reported and the others prepared; a rerun writes nothing;
 * a SIGKILL of the whole wave (parent and workers) and a rerun leave every image prepared
 * exactly once (one undo file, which takes it back to its original bytes) and valid
 * (`qemu-img check`); an apply cut off after its write is rolled back and done again.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal, writeJournal } from "../../src/apply/journal.js";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { toolsAvailable } from "../helpers/interop.js";
import { makeWave, qemuCheck, runCli, sha, startCli, undoFilesOf } from "./helpers.js";

interface WaveJson {
  summary: { total: number; done: number; skipped: number; failed: number };
  images: { index: number; image: string; status: string; undoFile: string | null; findingsBefore: string[]; findingsAfter: string[]; error?: { code: string } }[];
}

function inventory(dir: string, images: string[]): string {
  const path = join(dir, "wave.yaml");
  writeFileSync(path, `defaults:\n  target: kvm\nimages:\n${images.map((i) => `  - image: ${basename(i)}\n`).join("")}`);
  return path;
}

async function inProcess(...argv: string[]) {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

function expectPreparedOnce(image: string, original: string): void {
  expect(undoFilesOf(image), image).toHaveLength(1);
  expect(readJournal(image)?.state).toBe("done");
  const check = qemuCheck(image);
  if (check) expect(check.status, check.out).toBe(0);
  expect(sha(image)).not.toBe(original);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!toolsAvailable("qemu-img"))("batch: a wave of images", () => {
  it("prepares every good image, reports the corrupt one, and a rerun writes nothing", { timeout: 120_000 }, async () => {
    const { dir, images } = makeWave(["srv01.raw", "srv02.qcow2", "srv03.vhd", "srv04.vhdx"], { corrupt: "srv05-cut.vhdx" });
    const originals = images.map(sha);
    const inv = inventory(dir, images);
    const first = runCli(["batch", inv, "--jobs", "2", "--state", "state", "--json"], dir);
    expect(first.status, first.stderr).toBe(10);
    const wave = JSON.parse(first.stdout) as WaveJson;
    expect(wave.summary).toMatchObject({ total: 5, done: 4, skipped: 0, failed: 1 });
    const bad = wave.images.find((r) => r.image.endsWith("srv05-cut.vhdx"))!;
    expect(bad.status).toBe("failed");
    expect(bad.error?.code).toMatch(/^[a-z0-9-]+$/);
    expect(bad.error?.code).not.toBe("worker-crashed");
    expect(sha(images[4]!)).toBe(originals[4]);
    for (const [i, image] of images.slice(0, 4).entries()) {
      const record = wave.images[i]!;
      expect(record.status).toBe("done");
      expect(record.findingsAfter.length).toBeLessThan(record.findingsBefore.length);
      expect(record.undoFile).toBe(join(dir, undoFilesOf(image)[0]!));
      expectPreparedOnce(image, originals[i]!);
      for (const f of ["plan.yaml", "log.txt", "result.json"]) expect(readdirSync(join(dir, "state")).some((d) => existsSync(join(dir, "state", d, f)))).toBe(true);
    }
    const lines = readFileSync(join(dir, "state", "results.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(["done", "done", "done", "done", "failed"]);

    const after = images.map(sha);
    const mtimes = images.map((i) => statSync(i).mtimeMs);
    const again = runCli(["batch", inv, "--jobs", "2", "--state", "state", "--json"], dir);
    expect(again.status, again.stderr).toBe(10);
    expect((JSON.parse(again.stdout) as WaveJson).summary).toMatchObject({ done: 0, skipped: 4, failed: 1 });
    expect(images.map(sha)).toEqual(after);
    expect(images.map((i) => statSync(i).mtimeMs)).toEqual(mtimes);
    for (const image of images.slice(0, 4)) expect(undoFilesOf(image)).toHaveLength(1);

    const report = await inProcess("batch", "report", join(dir, "state"), "--json");
    expect(report.code).toBe(10);
    expect((JSON.parse(report.stdout) as WaveJson).images.map((r) => r.status)).toEqual(["done", "done", "done", "done", "failed"]);
    const table = await inProcess("batch", "report", join(dir, "state"));
    expect(table.stdout).toMatch(/5 images: 4 prepared, 0 already done \(skipped\), 1 failed/);
  });

  it("after a SIGKILL of the whole wave, a rerun prepares every image exactly once", { timeout: 180_000 }, async () => {
    const { dir, images } = makeWave(["a.qcow2", "b.vhdx", "c.raw", "d.vhd"]);
    const originals = images.map(sha);
    const inv = inventory(dir, images);
    const wave = startCli(["batch", inv, "--jobs", "2", "--state", "state"], dir);
    const records = () => (existsSync(join(dir, "state")) ? readdirSync(join(dir, "state")).filter((d) => existsSync(join(dir, "state", d, "result.json"))).map((d) => JSON.parse(readFileSync(join(dir, "state", d, "result.json"), "utf8")) as { status: string }) : []);
    // Killed once the first image is done: the next ones are then being worked on.
    for (let i = 0; i < 600 && !records().some((r) => r.status === "done"); i++) await sleep(50);
    process.kill(-wave.pid!, "SIGKILL");
    await new Promise((r) => wave.once("exit", r));
    const done = records().filter((r) => r.status === "done").length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(images.length);

    const rerun = runCli(["batch", inv, "--jobs", "2", "--state", "state", "--json"], dir);
    expect(rerun.status, rerun.stderr + rerun.stdout).toBe(0);
    const summary = (JSON.parse(rerun.stdout) as WaveJson).summary;
    expect(summary.failed).toBe(0);
    expect(summary.skipped).toBeGreaterThanOrEqual(done);
    for (const [i, image] of images.entries()) {
      expectPreparedOnce(image, originals[i]!);
      // The one undo file takes the image back to its original bytes: it was written once, over the original.
      const undone = await inProcess("undo", image);
      expect(undone.code, undone.stderr).toBe(0);
      expect(sha(image)).toBe(originals[i]);
    }
  });

  it.skipIf(!existsSync("/proc/self/task"))("a worker killed on its own is reported as crashed; the other images are prepared; a rerun prepares it", { timeout: 120_000 }, async () => {
    const { dir, images } = makeWave(["k1.qcow2", "k2.raw", "k3.vhdx"]);
    const originals = images.map(sha);
    const inv = inventory(dir, images);
    const wave = startCli(["batch", inv, "--jobs", "2", "--state", "state", "--json"], dir);
    let out = "";
    wave.stdout!.on("data", (b: Buffer) => (out += String(b)));
    // The first worker the parent starts (Linux: /proc/PID/task/PID/children), once it runs as one:
    // between fork and exec a child still shows the parent's command line, without --index.
    const children = () => readFileSync(`/proc/${wave.pid}/task/${wave.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    const commandLine = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      } catch {
        return []; // gone meanwhile
      }
    };
    let victim: number | undefined;
    let argv: string[] = [];
    for (let i = 0; i < 600 && victim === undefined; i++) {
      const first = children()[0];
      if (first !== undefined && (argv = commandLine(first)).includes("--index")) victim = first;
      else await sleep(20);
    }
    const index = Number(argv[argv.indexOf("--index") + 1]);
    process.kill(victim!, "SIGKILL");
    const code = await new Promise((r) => wave.once("exit", r));
    expect(code).toBe(10);
    const result = JSON.parse(out) as WaveJson;
    expect(result.images[index]).toMatchObject({ status: "failed", error: { code: "worker-crashed" } });
    expect(result.summary).toMatchObject({ done: 2, failed: 1 });
    const rerun = runCli(["batch", inv, "--jobs", "2", "--state", "state", "--json"], dir);
    expect(rerun.status, rerun.stderr + rerun.stdout).toBe(0);
    expect((JSON.parse(rerun.stdout) as WaveJson).summary).toMatchObject({ done: 1, skipped: 2, failed: 0 });
    images.forEach((image, i) => expectPreparedOnce(image, originals[i]!));
  });

  it("an apply cut off after its write (journal still 'applying') is rolled back, then done again, one undo file kept", { timeout: 60_000 }, async () => {
    const { dir, images } = makeWave(["torn.qcow2"]);
    const [image] = images as [string];
    const original = sha(image);
    const inv = inventory(dir, images);
    const fix = await inProcess("fix", image, "--target", "kvm", "--yes");
    expect(fix.code, fix.stderr).toBe(0);
    const [undo] = undoFilesOf(image) as [string];
    // What a kill between the last write and the journal's "done" leaves.
    writeJournal(image, "applying", join(dir, undo));
    const run = await inProcess("batch", inv, "--index", "0", "--state", join(dir, "state"), "--json");
    expect(run.code, run.stderr).toBe(0);
    const record = JSON.parse(run.stdout) as { status: string; notes: string[]; undoFile: string };
    expect(record.status).toBe("done");
    expect(record.notes.join(" ")).toMatch(/interrupted apply was rolled back/);
    expect(existsSync(join(dir, `${undo}.rolled-back`))).toBe(true);
    expectPreparedOnce(image, original);
    expect(basename(record.undoFile)).not.toBe(undo);
    expect((await inProcess("undo", image)).code).toBe(0);
    expect(sha(image)).toBe(original);
  });
});
