import { createHash } from "node:crypto";
import type { BlockDevice } from "../../src/io/block-device.js";

/** SHA-256 of a whole device, read in 1 MiB pieces. */
export function deviceSha256(device: BlockDevice): string {
  const h = createHash("sha256");
  for (let o = 0; o < device.size; o += 1 << 20) h.update(device.read(o, Math.min(1 << 20, device.size - o)));
  return h.digest("hex");
}

export function fileSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
