/**
 * Durable steps of a write (undo file, journal, each write call, resize, fsync), counted so
 * the crash test can stop a real writer after any one of them: with
 * P2VFIX_TEST_KILL_AFTER_STEPS=N in the environment the process SIGKILLs itself right after
 * step N, exactly as a power cut or `kill -9` would leave things. Unset, it only counts.
 */
export interface StepCounter {
  step(name: string): void;
  readonly count: number;
  readonly names: readonly string[];
}

export function createStepCounter(killAfter: number | undefined = envKillAfter()): StepCounter {
  const names: string[] = [];
  return {
    step(name: string) {
      names.push(name);
      if (killAfter !== undefined && names.length >= killAfter) process.kill(process.pid, "SIGKILL");
    },
    get count() {
      return names.length;
    },
    names,
  };
}

function envKillAfter(): number | undefined {
  const raw = process.env.P2VFIX_TEST_KILL_AFTER_STEPS;
  if (raw === undefined || raw === "") return undefined;
  const parsed = Number(raw);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : undefined;
}
