/**
 * `p2vfix batch INVENTORY [--jobs N] [--state DIR] [--dry-run] [--json]`: a wave of images, each
 * through inspect → plan → apply (as `fix --yes`) in its own worker process; `--index N` runs
 * image N in this process (what each worker and each Kubernetes pod runs); `--emit kubernetes`
 * writes the same wave as an Indexed Job. `p2vfix batch report DIR` prints a state folder's table.
 */
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { loadInventory } from "../../batch/inventory.js";
import { checkJobPaths, toJob, type ImageJob } from "../../batch/jobs.js";
import { runPool } from "../../batch/pool.js";
import { StateDir } from "../../batch/state.js";
import { createWaveView, renderWaveTable, summarize, waveJson, publicRecord } from "../../batch/view.js";
import { runImage } from "../../batch/worker.js";
import type { KubernetesOptions } from "../../batch/kubernetes.js";
import type { Output } from "../output.js";

/** Exit status of a wave in which an image failed (0 only when every image is prepared or already was). */
export const WAVE_FAILED_EXIT_CODE = 10;

interface BatchOptions extends Partial<KubernetesOptions> {
  state?: string;
  dryRun?: boolean;
  json?: boolean;
  index?: number;
  base?: string;
  emit?: string;
}

function positiveInt(what: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) throw new UsageError(`bad-${what}`, `--${what} needs a whole number, not ${JSON.stringify(value)}`);
    return parsed;
  };
}

/** Node flags this process was started with that a worker needs too (a loader such as tsx); never a debugger port. */
function childExecArgv(): string[] {
  return process.execArgv.filter((arg) => !/^--inspect/.test(arg) && !/^--debug-port/.test(arg));
}

/** The worker's command line: node running this same CLI entry for one image. */
function workerCommand(inventory: string, base: string, opts: BatchOptions) {
  const entry = process.argv[1];
  if (!entry) throw new UsageError("no-cli-entry", "cannot tell which script started p2vfix, to start the workers with it; run the wave with --jobs 1 --index N per image");
  return (job: ImageJob) => ({
    file: process.execPath,
    args: [...childExecArgv(), entry, "batch", inventory, "--index", String(job.index), "--json", "--base", base, ...(opts.state ? ["--state", resolve(opts.state)] : []), ...(opts.dryRun ? ["--dry-run"] : [])],
  });
}

function renderOne(record: ReturnType<typeof runImage>): string {
  if (record.status === "failed") return `${record.image}: failed: ${record.error?.message}\n`;
  if (record.status === "skipped") return `${record.image}: already prepared (${record.notes.at(-1)}); nothing written\n`;
  return `${record.image}: ${record.status}: ${record.findingsBefore.length} → ${record.findingsAfter.length} problems and warnings; undo file ${record.undoFile ?? "none (nothing to write)"}\n`;
}

export function registerBatch(program: Command, output: Output): void {
  const batch = program
    .command("batch")
    .description("Prepare a wave of images from an inventory (YAML or CSV): each one inspected, planned and applied in its own worker, N at once, resumable with --state")
    .argument("<inventory>", "inventory file: YAML (defaults: and images:) or .csv (docs/inventory.md)")
    .option("--jobs <n>", `workers at once (default: ${availableParallelism()}, the CPU count)`, positiveInt("jobs"))
    .option("--state <dir>", "keep per image its plan, record and log here; a rerun skips what is done and retries what failed")
    .option("--dry-run", "inspect and plan every image; write nothing")
    .option("--json", "the wave's records as JSON")
    .option("--index <n>", "run only image N (0-based, in inventory order) in this process: what each worker and each Kubernetes pod runs", positiveInt("index"))
    .option("--base <dir>", "folder that relative paths in the inventory start from (default: the inventory's folder)")
    .option("--emit <kind>", "write the wave for another engine instead of running it: kubernetes")
    .option("--out <dir>", "with --emit: folder for the manifests (default: print them)")
    .option("--pvc <name>", "with --emit kubernetes: the PersistentVolumeClaim holding the images (filesystem mode)")
    .option("--volume-mode <mode>", "with --emit kubernetes: filesystem (image files on one PVC) or block (each image a raw-disk PVC named by its inventory entry)", "filesystem")
    .option("--container-image <ref>", "with --emit kubernetes: the p2vfix container image (built from the Containerfile)", "localhost/p2vfix:latest")
    .option("--name <name>", "with --emit kubernetes: name of the Job and ConfigMap", "p2vfix-wave")
    .option("--namespace <ns>", "with --emit kubernetes: namespace")
    .option("--mount <path>", "with --emit kubernetes: where the images PVC is mounted in the pods (filesystem mode)", "/images")
    .option("--state-pvc <name>", "with --emit kubernetes: PVC for the state folder (default: p2vfix-state/ on the images PVC; block mode, where it also keeps each device's undo files: an emptyDir, lost with the pod)")
    .addHelpText(
      "after",
      `
Examples:
  p2vfix batch wave1.yaml --state wave1-state            # every image, CPU-count workers at once
  p2vfix batch wave1.csv --jobs 4 --dry-run --json       # what would be done, for tooling
  p2vfix batch report wave1-state                        # the wave's table again
  p2vfix batch wave1.yaml --emit kubernetes --pvc converted-disks --out k8s/
Exit status: 0 when every image is prepared (or was already), ${WAVE_FAILED_EXIT_CODE} when one or more failed.`,
    )
    .action(async (inventoryArg: string, opts: BatchOptions) => {
      const inventory = resolve(inventoryArg);
      const entries = loadInventory(inventory);
      const base = resolve(opts.base ?? dirname(inventory));
      if (opts.emit !== undefined) {
        const { emitKubernetes } = await import("../../batch/kubernetes.js");
        if (opts.emit !== "kubernetes") throw new UsageError("bad-emit", `--emit takes kubernetes, not ${JSON.stringify(opts.emit)}`);
        emitKubernetes(entries, inventory, { ...opts, jobs: opts.jobs ?? availableParallelism() }, output);
        return;
      }
      const jobs = entries.map((entry, i) => toJob(entry, i, base));
      if (opts.index !== undefined) {
        const job = jobs[opts.index];
        if (!job) throw new UsageError("bad-index", `--index ${opts.index}: the inventory has ${jobs.length} images (0 to ${jobs.length - 1})`);
        const record = runImage(job, { dryRun: opts.dryRun === true, ...(opts.state && !opts.dryRun ? { state: StateDir.open(opts.state) } : {}) });
        output.out(opts.json ? `${JSON.stringify(publicRecord(record))}\n` : renderOne(record));
        if (record.error) output.exitCode = record.error.exitCode;
        return;
      }
      // Every path checked before anything is written: a missing image names its line, and no state folder is made.
      checkJobPaths(jobs, inventory);
      const state = opts.state && !opts.dryRun ? StateDir.open(opts.state) : undefined;
      const view = createWaveView(jobs.length, output.isTTY && !opts.json);
      let records;
      try {
        records = await runPool(jobs, {
          parallel: opts.jobs ?? availableParallelism(),
          command: workerCommand(inventory, base, opts),
          ...(state ? { state } : {}),
          onStart: (job) => view.start(job),
          onEnd: (job, record) => view.end(job, record),
        });
      } finally {
        view.stop();
      }
      const wave = state?.writeWave(records);
      if (opts.json) output.out(waveJson(records, { inventory, ...(wave ? { results: wave } : {}) }));
      else output.out(renderWaveTable(records) + (wave ? `records: ${wave}\n` : ""));
      if (summarize(records).failed > 0 || records.some((record) => record.status === "running")) output.exitCode = WAVE_FAILED_EXIT_CODE;
    });

  batch
    .command("report")
    .description("The table of a wave from its state folder (after a run, or while the Kubernetes Job runs)")
    .argument("<dir>", "the state folder given to batch --state")
    .option("--json", "the records as JSON")
    .action((dir: string, _opts: unknown, command: Command) => {
      // `batch report DIR --json`: commander gives --json to `batch`, which declares it too.
      const opts = command.optsWithGlobals<{ json?: boolean }>();
      const records = StateDir.existing(dir).records();
      output.out(opts.json ? waveJson(records, { state: resolve(dir) }) : renderWaveTable(records));
      if (summarize(records).failed > 0) output.exitCode = WAVE_FAILED_EXIT_CODE;
    });
}
