/**
 * Progress bars for long synchronous work (copy-in, the write and read-back of an apply, a big
 * `reg import`, `undo`). The library layers only call `onProgress(done, total)`; this module
 * decides whether anything is drawn: only on a terminal, never with --json, and only once a
 * phase has been running for a second (short work never flashes a bar). NO_COLOR does not turn
 * bars off: they carry no colour. cli-progress draws on update() itself (its timer cannot run
 * while the work blocks the event loop), on stderr so that stdout stays the command's output.
 * cli-progress (and the string-width and emoji tables it pulls in, ~11 ms) is loaded when the
 * first bar is drawn, not with this module: most runs draw none.
 */
import type { SingleBar } from "cli-progress";
import { requirePackage } from "../util/require-package.js";
import { formatBytes } from "./format.js";
import type { Output } from "./output.js";

/** A phase shows a bar only after it has run this long. */
export const PROGRESS_DELAY_MS = 1000;

export type ProgressCallback = (done: number, total: number) => void;

export interface Progress {
  /** A callback for one phase ("writing", "importing"); its first call ends the previous phase's bar. */
  phase(label: string): ProgressCallback;
  /** Ends the current bar (call in `finally`). */
  stop(): void;
}

export interface ProgressSettings {
  json?: boolean;
  /** Where bars go (default stderr); tests pass a recording stream. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
}

const quiet: Progress = { phase: () => () => {}, stop: () => {} };

export function createProgress(output: Output, settings: ProgressSettings = {}): Progress {
  if (!output.isTTY || settings.json) return quiet;
  const stream = settings.stream ?? process.stderr;
  const now = settings.now ?? Date.now;
  let bar: SingleBar | undefined;
  let phases = 0;
  let active = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    phase(label) {
      const id = ++phases;
      let started: number | undefined;
      return (done, total) => {
        // The first call of a phase ends the bar of the one before.
        if (id !== active) {
          stop();
          active = id;
        }
        started ??= now();
        if (!bar) {
          if (done >= total || now() - started < PROGRESS_DELAY_MS) return;
          const { SingleBar: Bar } = requirePackage<typeof import("cli-progress")>("cli-progress", () => require("cli-progress"));
          bar = new Bar({
            format: `${label} [{bar}] {percentage}% {value} of {total}`,
            formatValue: (amount, _o, type) => (type === "value" || type === "total" ? formatBytes(amount) : String(amount)),
            stream: stream as NodeJS.WriteStream,
            hideCursor: true,
            clearOnComplete: true,
          });
          bar.start(total, done);
          return;
        }
        bar.setTotal(total);
        bar.update(done);
      };
    },
    stop,
  };
}
