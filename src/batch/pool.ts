/**
 * The wave's workers: each image runs in its own child process — node running this same CLI
 * entry with `batch INVENTORY --index N --json` — so a crash, a hang killed by the operator or
 * an out-of-memory in one image never stops the others. At most `parallel` at once. A child
 * that ends without its JSON record (killed, crashed) is recorded as failed with its exit
 * status and the end of its stderr.
 */
import { spawn } from "node:child_process";
import { ExitCode } from "../errors.js";
import type { ImageJob } from "./jobs.js";
import { newRecord, type ImageRecord, type StateDir } from "./state.js";

/** How much of a child's output is kept: its record is one line; stderr only for the message of a crash. */
const MAX_STDOUT = 1024 * 1024;
const STDERR_TAIL = 4096;

export interface PoolOptions {
  parallel: number;
  /** The child's command line for one image (node, its flags, the CLI entry, the arguments). */
  command: (job: ImageJob) => { file: string; args: string[] };
  state?: StateDir;
  onStart?: (job: ImageJob) => void;
  onEnd?: (job: ImageJob, record: ImageRecord) => void;
}

function runChild(job: ImageJob, options: PoolOptions): Promise<ImageRecord> {
  const { file, args } = options.command(job);
  const started = new Date();
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk.slice(0, MAX_STDOUT - stdout.length);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const done = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      let record: ImageRecord | undefined;
      try {
        const parsed = JSON.parse(line) as ImageRecord;
        if (parsed && parsed.index === job.index && typeof parsed.status === "string") record = parsed;
      } catch {
        record = undefined;
      }
      resolve(record ?? crashRecord(job, started, code, signal, spawnError ? spawnError.message : stderr, options.state));
    };
    child.on("error", (err) => done(null, null, err));
    child.on("close", (code, signal) => done(code, signal));
  });
}

/** The record of a child that gave none; the state keeps what the child had recorded (its undo files before) with the failure. */
function crashRecord(job: ImageJob, started: Date, code: number | null, signal: NodeJS.Signals | null, stderr: string, state: StateDir | undefined): ImageRecord {
  const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
  const tail = stderr.trim().split("\n").slice(-3).join(" / ");
  const finished = new Date();
  let base: ImageRecord | undefined;
  let dir: string | undefined;
  try {
    dir = state?.imageDir(job.image);
    base = dir ? state!.readRecord(dir) : undefined;
  } catch {
    base = undefined;
  }
  // The child's own "running" record (this attempt) is completed; an older record is not ours to change.
  const ours = base && base.status === "running" && Date.parse(base.startedAt) >= started.getTime() - 1000 ? base : undefined;
  const record: ImageRecord = {
    ...newRecord(job, ours?.attempt ?? (base?.attempt ?? 0) + 1, started),
    ...ours,
    status: "failed",
    startedAt: ours?.startedAt ?? started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds: (finished.getTime() - started.getTime()) / 1000,
    error: { code: "worker-crashed", message: `the worker for ${job.image} ${how} without a result${tail ? `: ${tail}` : ""}; run the wave again to retry it`, exitCode: ExitCode.failure },
  };
  if (dir && (ours || !base)) {
    try {
      state!.writeRecord(dir, record);
    } catch {
      // The wave's table still shows it.
    }
  }
  return record;
}

/** Runs every job, `parallel` at once, and gives the records in job order. */
export async function runPool(jobs: readonly ImageJob[], options: PoolOptions): Promise<ImageRecord[]> {
  const records = new Array<ImageRecord>(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      options.onStart?.(job);
      records[index] = await runChild(job, options);
      options.onEnd?.(job, records[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, jobs.length)) }, lane));
  return records;
}
