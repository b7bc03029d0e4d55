/**
 * Progress: the library layers report (done, total) monotonically, done ≤ total, ending at
 * total (a real apply and undo on the demo image, a real .reg import); the CLI's bar module
 * draws nothing off a terminal, with --json, or before a phase has run a second.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { undoApply } from "../../src/apply/index.js";
import { main } from "../../src/cli/main.js";
import { captureOutput, type Output } from "../../src/cli/output.js";
import { createProgress, PROGRESS_DELAY_MS } from "../../src/cli/progress.js";
import { applyPlan } from "../../src/plan/apply.js";
import { loadPlan } from "../../src/plan/load.js";
import { applyRegFile } from "../../src/regf/import/apply.js";
import { readRegFileWindows } from "../../src/regf/import/reg-file.js";
import { regFileWindows } from "../../src/regf/import/reg-file-windows.js";
import { createHive } from "../../src/regf/edit/new-hive.js";

const root = resolve(import.meta.dirname, "../..");
const demo = join(root, "examples/demo-hp-proliant.qcow2");

type Call = [done: number, total: number];

function expectWellFormed(calls: Call[]): void {
  expect(calls.length).toBeGreaterThan(1);
  const total = calls[0][1];
  expect(total).toBeGreaterThan(0);
  let previous = 0;
  for (const [done, t] of calls) {
    expect(t).toBe(total);
    expect(done).toBeGreaterThanOrEqual(previous);
    expect(done).toBeLessThanOrEqual(total);
    previous = done;
  }
  expect(calls.at(-1)).toEqual([total, total]);
}

describe("library progress callbacks", () => {
  it("apply reports its write and read-back, undo its restore, on the demo image", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-progress-"));
    const image = join(dir, "demo.qcow2");
    copyFileSync(demo, image);
    const planFile = join(dir, "plan.yaml");
    const out = captureOutput();
    expect(await main(["plan", image, "--target", "hyperv", "-o", planFile], out), out.stderr()).toBe(0);

    const writes: Call[] = [];
    // A dry run writes nothing and reports nothing.
    applyPlan(image, loadPlan(planFile), { dryRun: true, image: { onWriteProgress: (d, t) => writes.push([d, t]) } });
    expect(writes).toEqual([]);
    const report = applyPlan(image, loadPlan(planFile), { image: { onWriteProgress: (d, t) => writes.push([d, t]) } });
    expectWellFormed(writes);
    // Every changed byte written once and read back once.
    expect(writes[0][1]).toBe(2 * report.image!.bytesWritten);

    const restores: Call[] = [];
    const undone = undoApply(image, { onProgress: (d, t) => restores.push([d, t]) });
    expectWellFormed(restores);
    expect(restores.at(-1)![0]).toBe(undone.bytesRestored);
    expect(readFileSync(image)).toEqual(readFileSync(demo));
  });

  it("reg import reports the bytes of the .reg file read, ending at its size", () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-progress-"));
    const regPath = join(dir, "big.reg");
    const lines = ["Windows Registry Editor Version 5.00", ""];
    for (let k = 0; k < 200; k++) {
      lines.push(`[\\Software\\Vendor\\Key${k}]`);
      for (let v = 0; v < 20; v++) lines.push(`"Value${v}"="${"x".repeat(40)}${k}-${v}"`);
      lines.push(`"Bin"=hex:${Array.from({ length: 64 }, (_, i) => (i % 256).toString(16).padStart(2, "0")).join(",")}`, "");
    }
    writeFileSync(regPath, lines.join("\r\n"));
    const size = readFileSync(regPath).length;
    const calls: Call[] = [];
    const editor = createHive("ROOT");
    const { windows, characters } = regFileWindows(regPath, 16 * 1024, (d, t) => calls.push([d, t]));
    const stream = readRegFileWindows(windows, regPath, characters);
    const applied = applyRegFile(editor, stream.ops, { source: regPath, sizeHint: stream.characters });
    expect(applied.valuesSet).toBe(200 * 21);
    expectWellFormed(calls);
    expect(calls[0][1]).toBe(size);
  });
});

/** A terminal-like stream that records what is drawn. */
function recordingTerminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number; text: () => string };
  stream.isTTY = true;
  stream.columns = 80;
  stream.text = () => text;
  return stream;
}

function drive(output: Output, json: boolean, elapsed: number): string {
  const stream = recordingTerminal();
  let clock = 0;
  const progress = createProgress(output, { json, stream, now: () => clock });
  const report = progress.phase("writing");
  report(0, 4 << 20);
  clock = elapsed;
  report(1 << 20, 4 << 20);
  report(2 << 20, 4 << 20);
  progress.stop();
  return stream.text();
}

describe("the CLI's progress bar", () => {
  const terminal: Output = { ...captureOutput(), isTTY: true, color: true };

  it("is drawn on a terminal once a phase has run a second", () => {
    expect(drive(terminal, false, PROGRESS_DELAY_MS)).toContain("writing [");
  });

  it("is not drawn before a second, off a terminal, or with --json", () => {
    expect(drive(terminal, false, PROGRESS_DELAY_MS - 1)).toBe("");
    expect(drive(captureOutput(), false, 10 * PROGRESS_DELAY_MS)).toBe("");
    expect(drive(terminal, true, 10 * PROGRESS_DELAY_MS)).toBe("");
  });
});
