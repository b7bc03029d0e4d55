/** Test ISOs made with genisoimage / xorriso from a host tree (test/helpers/interop.ts decides whether they run). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runTool } from "../helpers/interop.js";

/** path ("/"-separated, relative) → content. */
export type HostTree = Record<string, string | Uint8Array>;

export function writeHostTree(dir: string, tree: HostTree): string {
  for (const [path, content] of Object.entries(tree)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}

export type IsoFlavour = "joliet" | "rock-ridge" | "joliet+rock-ridge" | "plain" | "xorriso";

/** Builds an ISO of `dir` and returns its bytes. */
export function makeIso(dir: string, out: string, flavour: IsoFlavour): Uint8Array {
  const args =
    flavour === "xorriso"
      ? ["-as", "mkisofs", "-quiet", "-J", "-R", "-V", "VIRTIO_TEST", "-o", out, dir]
      : ["-quiet", "-V", "VIRTIO_TEST", "-o", out, ...(flavour.includes("joliet") ? ["-J", "-joliet-long"] : []), ...(flavour.includes("rock") ? ["-R"] : []), ...(flavour === "plain" ? ["-iso-level", "2"] : []), dir];
  const r = runTool(flavour === "xorriso" ? "xorriso" : "genisoimage", args);
  if (r.status !== 0) throw new Error(`${flavour} iso: ${r.stderr}`);
  return new Uint8Array(readFileSync(out));
}
