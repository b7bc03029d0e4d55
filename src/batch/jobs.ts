/**
 * From inventory entries to jobs: every path (image, VM definition, files, drivers) resolved (relative ones from the inventory's
 * folder, or --base), checked to exist before anything is written (a missing image is an error
 * naming its inventory line), and the request's SHA-256 that tells a rerun whether the same
 * thing was asked.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { NotFoundError } from "../errors.js";
import type { InventoryEntry } from "./inventory.js";

export interface ImageJob {
  index: number;
  line: number;
  /** Absolute path of the image. */
  image: string;
  target?: string;
  profile?: string;
  keepIp?: boolean;
  macs: string[];
  vm?: string;
  nic?: number;
  files?: { from: string; to: string; reason?: string }[];
  /** Drivers installed at apply (an ISO, a folder or an .inf), as `plan --drivers`. */
  drivers?: string;
  /** SHA-256 of the request (all of the above but index and line). */
  requestSha256: string;
}

export function toJob(entry: InventoryEntry, index: number, base: string): ImageJob {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  const request = {
    image: at(entry.image),
    ...(entry.target ? { target: entry.target } : {}),
    ...(entry.profile ? { profile: entry.profile } : {}),
    ...(entry["keep-ip"] === undefined ? {} : { keepIp: entry["keep-ip"] }),
    macs: entry.macs ?? [],
    ...(entry.vm ? { vm: at(entry.vm) } : {}),
    ...(entry.nic === undefined ? {} : { nic: entry.nic }),
    ...(entry.files ? { files: entry.files.map((file) => ({ ...file, from: at(file.from) })) } : {}),
    ...(entry.drivers ? { drivers: at(entry.drivers) } : {}),
  };
  return { index, line: entry.line, ...request, requestSha256: createHash("sha256").update(JSON.stringify(request)).digest("hex") };
}

/** Every image, VM definition and file source must exist: else a NotFoundError naming the inventory line, before any write. */
export function checkJobPaths(jobs: readonly ImageJob[], inventoryPath: string): void {
  for (const job of jobs) {
    const missing = [
      ["image", job.image],
      ["vm", job.vm],
      ["drivers", job.drivers],
      ...(job.files ?? []).map((file) => ["files.from", file.from]),
    ].find(([, path]) => path !== undefined && !existsSync(path));
    if (missing) throw new NotFoundError("inventory.missing-file", `${missing[0]} ${missing[1]} does not exist`, { path: inventoryPath, line: job.line });
  }
}
