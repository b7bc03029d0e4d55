/** The wave's progress view (a terminal only) and its table: each image by name and status, the failures with their error. */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ImageJob } from "../../src/batch/jobs.js";
import type { ImageRecord } from "../../src/batch/state.js";
import { createWaveView, renderWaveTable, summarize } from "../../src/batch/view.js";

function terminal(): Writable & { text: () => string; isTTY: boolean; columns: number } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { text: () => string; isTTY: boolean; columns: number };
  stream.isTTY = true;
  stream.columns = 160;
  stream.text = () => text;
  return stream;
}

const job = (index: number, image: string): ImageJob => ({ index, line: index + 2, image, macs: [], requestSha256: "0".repeat(64) });
const record = (index: number, image: string, status: ImageRecord["status"], extra: Partial<ImageRecord> = {}): ImageRecord => ({
  index, image, line: index + 2, status, attempt: 1, requestSha256: "0".repeat(64), findingsBefore: ["a", "b", "c"], findingsAfter: ["c"], undoFile: `${image}.20261205T000000.000Z.p2vfix-undo`,
  filesUndoFile: null, driversUndoFile: null, bytesWritten: 1, plan: null, log: null, startedAt: "2026-12-05T00:00:00.000Z", seconds: 1.25, notes: [], undoFilesBefore: [], ...extra,
});

describe("wave view", () => {
  it("on a terminal: a line per image as it ends, failures with their error, the wave's count", async () => {
    const tty = terminal();
    const view = createWaveView(2, true, tty as unknown as NodeJS.WriteStream);
    view.start(job(0, "/w/srv01.qcow2"));
    view.start(job(1, "/w/srv02.vhdx"));
    view.end(job(0, "/w/srv01.qcow2"), record(0, "/w/srv01.qcow2", "done"));
    view.end(job(1, "/w/srv02.vhdx"), record(1, "/w/srv02.vhdx", "failed", { error: { code: "bad-vhdx", message: "bad-vhdx: the header is torn", exitCode: 3 } }));
    view.stop();
    const text = tty.text();
    expect(text).toMatch(/done +srv01\.qcow2 \(3 → 1 problems and warnings\)/);
    expect(text).toMatch(/failed +srv02\.vhdx: bad-vhdx: the header is torn/);
    expect(text).toMatch(/wave .*2\/2 1 failed/);
  });

  it("off a terminal (or with --json, which the command passes as disabled) nothing is drawn", () => {
    const tty = terminal();
    const view = createWaveView(1, false, tty as unknown as NodeJS.WriteStream);
    view.start(job(0, "/w/a.raw"));
    view.end(job(0, "/w/a.raw"), record(0, "/w/a.raw", "done"));
    view.stop();
    expect(tty.text()).toBe("");
  });

  it("the table: status, problems before → after, undo file, time; failures listed under it", () => {
    const records = [record(0, "/w/srv01.qcow2", "done"), record(1, "/w/srv02.raw", "skipped"), record(2, "/w/srv03.vhdx", "failed", { findingsBefore: [], findingsAfter: [], undoFile: null, error: { code: "worker-crashed", message: "the worker was killed by SIGKILL", exitCode: 1 } })];
    const text = renderWaveTable(records);
    expect(text).toMatch(/^0 +srv01\.qcow2 +done +3 → 1 +srv01\.qcow2\.20261205T000000\.000Z\.p2vfix-undo +1\.3 s$/m);
    expect(text).toMatch(/^2 +srv03\.vhdx +failed \(worker-crashed\) +- +- +1\.3 s$/m);
    expect(text).toContain("3 images: 1 prepared, 1 already done (skipped), 1 failed");
    expect(text).toContain("#2 /w/srv03.vhdx: the worker was killed by SIGKILL");
    expect(summarize(records)).toEqual({ total: 3, done: 1, skipped: 1, failed: 1, other: 0 });
  });
});
