import type { FileSystem } from "../filesystem.js";
import { HostDirFileSystem } from "./host-dir.js";

export { HostDirFileSystem } from "./host-dir.js";

/** A mounted Windows root on the host, read case-insensitively and confined to `rootPath`. */
export function openHostDir(rootPath: string): FileSystem {
  return new HostDirFileSystem(rootPath);
}
