/** The CLI run in this process as a user runs it (exit code, stdout, stderr), and a file's SHA-256 for "unchanged" checks. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";

export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await main(argv, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

export function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
