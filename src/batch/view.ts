/**
 * What people see of a wave: a progress view on a terminal (one bar for the wave, one line per
 * image being worked on, a line above the bars as each image ends), the summary table, and the
 * JSON for tooling. The same table serves `batch` and `batch report`.
 */
import { MultiBar, type SingleBar } from "cli-progress";
import { basename } from "node:path";
import { table } from "../cli/format.js";
import type { ImageJob } from "./jobs.js";
import type { ImageRecord } from "./state.js";

export interface WaveView {
  start(job: ImageJob): void;
  end(job: ImageJob, record: ImageRecord): void;
  stop(): void;
}

const silent: WaveView = { start: () => {}, end: () => {}, stop: () => {} };

function oneLine(record: ImageRecord): string {
  const name = basename(record.image);
  if (record.status === "failed") return `failed   ${name}: ${record.error?.message ?? "no result"}`;
  return `${record.status.padEnd(8)} ${name} (${record.findingsBefore.length} → ${record.findingsAfter.length} problems and warnings)`;
}

/** The progress view: only on a terminal and without --json (the caller decides), drawn on stderr. */
export function createWaveView(total: number, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): WaveView {
  if (!enabled) return silent;
  const bars = new MultiBar({ stream, hideCursor: true, clearOnComplete: true, format: "{label} [{bar}] {value}/{total} {status}", barsize: 24 }, undefined);
  const wave = bars.create(total, 0, { label: "wave".padEnd(24), status: "" });
  const running = new Map<number, SingleBar>();
  let failed = 0;
  return {
    start(job) {
      running.set(job.index, bars.create(1, 0, { label: basename(job.image).slice(0, 24).padEnd(24), status: "inspect → plan → apply" }));
    },
    end(job, record) {
      const bar = running.get(job.index);
      if (bar) bars.remove(bar);
      running.delete(job.index);
      if (record.status === "failed") failed++;
      bars.log(`${oneLine(record)}\n`);
      wave.increment(1, { status: failed ? `${failed} failed` : "" });
      // Drawn now: a line logged just before stop() would otherwise never reach the terminal.
      bars.update();
    },
    stop() {
      bars.update();
      bars.stop();
    },
  };
}

export interface WaveSummary {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  other: number;
}

export function summarize(records: readonly ImageRecord[]): WaveSummary {
  const count = (s: ImageRecord["status"]) => records.filter((r) => r.status === s).length;
  const done = count("done") + count("dry-run");
  const skipped = count("skipped");
  const failed = count("failed");
  return { total: records.length, done, skipped, failed, other: records.length - done - skipped - failed };
}

/** A record for people and tools: without the bookkeeping the next attempt needs. */
export function publicRecord(record: ImageRecord): Omit<ImageRecord, "undoFilesBefore"> {
  const { undoFilesBefore: _unused, ...rest } = record;
  return rest;
}

export function waveJson(records: readonly ImageRecord[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...extra, summary: summarize(records), images: records.map(publicRecord) }, null, 2) + "\n";
}

export function renderWaveTable(records: readonly ImageRecord[]): string {
  const rows = [["#", "image", "status", "problems", "undo file", "time"]];
  for (const r of records) {
    rows.push([
      String(r.index),
      basename(r.image),
      r.status === "failed" ? `failed (${r.error?.code ?? "?"})` : r.status === "running" ? "running (or stopped)" : r.status,
      r.status === "failed" && r.findingsBefore.length === 0 ? "-" : `${r.findingsBefore.length} → ${r.findingsAfter.length}`,
      r.undoFile ? basename(r.undoFile) : "-",
      r.seconds === undefined ? "-" : `${r.seconds.toFixed(1)} s`,
    ]);
  }
  const s = summarize(records);
  const lines = [table(rows), "", `${s.total} images: ${s.done} prepared, ${s.skipped} already done (skipped), ${s.failed} failed${s.other ? `, ${s.other} not finished` : ""}`];
  for (const r of records.filter((x) => x.status === "failed")) lines.push(`  #${r.index} ${r.image}: ${r.error?.message ?? "no result"}${r.log ? ` (log: ${r.log})` : ""}`);
  return lines.join("\n") + "\n";
}
