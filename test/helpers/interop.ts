/**
 * Interop tests compare p2vfix with established tools (hivex, libregf, sleuthkit, ntfs-3g,
 * qemu-img). When a tool is missing they skip with a visible reason, except when
 * P2VFIX_INTEROP=required (set by .ci/run), where a missing tool fails the run.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";

export const interopRequired = process.env.P2VFIX_INTEROP === "required";

const found = new Map<string, boolean>();

export function hasTool(command: string): boolean {
  let ok = found.get(command);
  if (ok === undefined) {
    ok = spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
    found.set(command, ok);
  }
  return ok;
}

/**
 * Returns true when every tool is present. When one is missing: under
 * P2VFIX_INTEROP=required throws (the test fails); otherwise prints why and returns false,
 * so the caller can `describe.skipIf(!toolsAvailable(...))`.
 */
export function toolsAvailable(...commands: string[]): boolean {
  const missing = commands.filter((c) => !hasTool(c));
  if (missing.length === 0) return true;
  const message = `interop: ${missing.join(", ")} not installed`;
  if (interopRequired) throw new Error(`${message}, and P2VFIX_INTEROP=required`);
  console.warn(`${message}: skipping (install them or run .ci/run)`);
  return false;
}

export interface RunResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a peer tool and returns its output; never throws on a non-zero exit. */
export function runTool(command: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(command, args, { maxBuffer: 1 << 30, ...options });
  return { status: r.status ?? -1, stdout: r.stdout as Buffer, stderr: String(r.stderr ?? "") };
}
