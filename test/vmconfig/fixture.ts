/** Fresh copies of the vmconfig fixtures for tests that write, and the CLI run in process. */
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";

export const fixtureDir = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/vmconfig");

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(fixtureDir, name));
}

/** Copies a fixture into a new temp folder and returns the copy's path. */
export function freshCopy(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-vm-"));
  const path = join(dir, name);
  copyFileSync(join(fixtureDir, name), path);
  return path;
}

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await main(args, out);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

/**
 * An independent reader for "key = value" (.vmx) and "key: value" (Proxmox) files, written
 * from the formats' descriptions and sharing no code with src/vmconfig.
 */
export function readKeyValues(text: string, separator: "=" | ":"): Map<string, string> {
  const map = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (separator === ":" && line.startsWith("[")) break;
    const at = line.indexOf(separator);
    if (at < 0) throw new Error(`no ${separator} in line: ${line}`);
    let value = line.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    map.set(line.slice(0, at).trim().toLowerCase(), value);
  }
  return map;
}
