/**
 * Real block devices for tests: Linux loop devices over temp files (`losetup -f --show FILE`).
 * Attaching one needs root and the kernel's loop driver, a capability of the machine rather than
 * an interop tool: where it is missing the tests skip with the reason, even under
 * P2VFIX_INTEROP=required. Every device attached is detached by detachLoops() (afterAll), and a
 * failed attach leaves nothing behind.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileSha256 } from "../../src/batch/worker.js";

const attached: string[] = [];
let available: string | undefined | null = null;

/** Why loop devices cannot be used here, or undefined when they can (probed once by attaching a 1 MiB file). */
export function loopUnavailable(): string | undefined {
  if (available !== null) return available;
  if (process.platform !== "linux") return (available = `loop devices are Linux-only (this is ${process.platform})`);
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-loop-probe-"));
  try {
    const file = join(dir, "probe.img");
    writeFileSync(file, new Uint8Array(1 << 20));
    const r = spawnSync("losetup", ["-f", "--show", file], { encoding: "utf8" });
    if (r.error) return (available = `losetup cannot run (${r.error.message}): util-linux missing`);
    if (r.status !== 0) return (available = `losetup -f --show failed (${r.stderr.trim()}): attaching loop devices needs root (CAP_SYS_ADMIN) and the loop driver`);
    spawnSync("losetup", ["-d", r.stdout.trim()]);
    return (available = undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `describe.skipIf(!loopDevicesAvailable())`: prints why when they are not. */
export function loopDevicesAvailable(): boolean {
  const why = loopUnavailable();
  if (why) console.warn(`block-device tests skipped: ${why}`);
  return why === undefined;
}

/** Attaches `file` (from `offset` bytes on) and returns the device path. */
export function attachLoop(file: string, options: { offset?: number; readOnly?: boolean } = {}): string {
  const args = ["-f", "--show", ...(options.offset ? ["-o", String(options.offset)] : []), ...(options.readOnly ? ["-r"] : []), file];
  const r = spawnSync("losetup", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`losetup ${args.join(" ")}: ${r.stderr}`);
  const device = r.stdout.trim();
  attached.push(device);
  return device;
}

/** Detaches every device attachLoop made (in afterAll; also after a failed test). */
export function detachLoops(): void {
  for (const device of attached.splice(0)) spawnSync("losetup", ["-d", device]);
}

/** SHA-256 of a whole device (read to its end: fstat says 0 bytes for a device). */
export const deviceSha: (path: string) => string = fileSha256;
