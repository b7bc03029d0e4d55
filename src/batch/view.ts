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
  const count = (status: ImageRecord["status"]) => records.filter((record) => record.status === status).length;
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
  for (const record of records) {
    rows.push([
      String(record.index),
      basename(record.image),
      record.status === "failed" ? `failed (${record.error?.code ?? "?"})` : record.status === "running" ? "running (or stopped)" : record.status,
      record.status === "failed" && record.findingsBefore.length === 0 ? "-" : `${record.findingsBefore.length} → ${record.findingsAfter.length}`,
      record.undoFile ? basename(record.undoFile) : "-",
      record.seconds === undefined ? "-" : `${record.seconds.toFixed(1)} s`,
    ]);
  }
  const waveSummary = summarize(records);
  const lines = [table(rows), "", `${waveSummary.total} images: ${waveSummary.done} prepared, ${waveSummary.skipped} already done (skipped), ${waveSummary.failed} failed${waveSummary.other ? `, ${waveSummary.other} not finished` : ""}`];
  for (const record of records.filter((candidate) => candidate.status === "failed")) lines.push(`  #${record.index} ${record.image}: ${record.error?.message ?? "no result"}${record.log ? ` (log: ${record.log})` : ""}`);
  return lines.join("\n") + "\n";
}
