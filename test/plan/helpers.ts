/**
 * Shared by the plan tests: run the CLI in process, SHA-256 of files, and the whole-hive diff
 * (both hives exported with the reader's exportReg, compared key block by key block).
 */
import type { RegistryChange } from "../../src/changes/change.js";
import { exportReg } from "../../src/regf/export/reg-export.js";
import { openHive } from "../../src/regf/open.js";

export { cli, sha } from "../helpers/cli.js";

/** Key path (upper-cased, from the root) → its .reg block, from exportReg of the whole hive. */
export function keyBlocks(bytes: Uint8Array): Map<string, string> {
  const text = exportReg(openHive(bytes).root(), { prefix: "ROOT" });
  const blocks = new Map<string, string>();
  for (const block of text.split(/\r?\n(?=\[)/)) {
    const m = /^\[([^\]\r\n]*)\]/.exec(block);
    if (!m) continue;
    blocks.set(m[1].replace(/^ROOT\\?/, "").toUpperCase(), block.trim());
  }
  return blocks;
}

/** Keys whose exported block differs between the two hives (added, removed or changed). */
export function changedKeys(before: Uint8Array, after: Uint8Array): string[] {
  const a = keyBlocks(before);
  const b = keyBlocks(after);
  const out = new Set<string>();
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k);
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return [...out].sort();
}

/**
 * Keys a change list may touch in `hive`: the changed keys themselves, the parents a create
 * brings with it (created empty), and everything under a deleted key.
 */
export function explainedBy(changes: RegistryChange[], hive: string): (key: string) => boolean {
  const mine = changes.filter((c) => c.hive === hive).map((c) => ({ kind: c.kind, key: c.key.toUpperCase() }));
  return (key) =>
    mine.some((c) => c.key === key || (c.kind !== "delete-key" && c.kind !== "delete-value" && c.key.startsWith(`${key}\\`)) || (c.kind === "delete-key" && key.startsWith(`${c.key}\\`)));
}
