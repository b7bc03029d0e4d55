/**
 * Where driver packages come from: an ISO 9660 image (read directly), a host folder, or one
 * .inf file (its folder is the package). Paths are "/"-separated and relative to the source.
 *
 * Host folders are walked with lstat: symbolic links and special files are skipped (p2vfix
 * never follows a link it did not create), the walk is bounded in depth and entries, and a
 * file is opened without following a link (O_NOFOLLOW) and must still be a regular file.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DriverError, NotFoundError } from "../errors.js";
import { FileDevice } from "../io/file-device.js";
import { openIso, type IsoEntry, type IsoImage } from "./iso9660.js";

const MAX_FILE_BYTES = 256 << 20;
const MAX_HOST_ENTRIES = 200_000;
const MAX_HOST_DEPTH = 32;

export interface DriverSource {
  /** What the user gave (for messages). */
  readonly description: string;
  /** Every file, "/"-separated paths relative to the source root, no leading "/". */
  files(): string[];
  /** Bytes of one file listed by files(); NotFoundError when absent. */
  read(path: string): Uint8Array;
  close(): void;
}

class IsoSource implements DriverSource {
  private readonly byPath = new Map<string, IsoEntry>();
  constructor(
    private readonly iso: IsoImage,
    private readonly device: FileDevice,
    readonly description: string,
  ) {
    for (const isoEntry of iso.list()) if (!isoEntry.directory) this.byPath.set(isoEntry.path.slice(1).toLowerCase(), isoEntry);
  }
  files(): string[] {
    return [...this.byPath.values()].map((value) => value.path.slice(1));
  }
  read(path: string): Uint8Array {
    const isoEntry = this.byPath.get(path.toLowerCase());
    if (!isoEntry) throw new NotFoundError("driver-file-missing", `${this.description}: ${path} is not on the ISO`, { path: this.description });
    if (isoEntry.size > MAX_FILE_BYTES) throw new DriverError("driver-file-too-large", `${this.description}: ${path} is ${isoEntry.size} bytes`, { path: this.description });
    return this.iso.read(isoEntry);
  }
  close(): void {
    this.device.close();
  }
}

class FolderSource implements DriverSource {
  private readonly list: string[] = [];
  private readonly byLower = new Map<string, string>();
  constructor(
    private readonly root: string,
    readonly description: string,
    only?: string[],
  ) {
    if (only) this.list.push(...only);
    else this.walk("", 0);
    for (const listed of this.list) this.byLower.set(listed.toLowerCase(), listed);
  }
  private walk(rel: string, depth: number): void {
    if (depth > MAX_HOST_DEPTH) throw new DriverError("driver-folder-too-deep", `${this.description}: folders nest deeper than ${MAX_HOST_DEPTH} levels at ${rel}`, { path: this.description });
    for (const name of readdirSync(join(this.root, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(this.root, child));
      if (st.isDirectory()) this.walk(child, depth + 1);
      else if (st.isFile()) this.list.push(child);
      if (this.list.length > MAX_HOST_ENTRIES) throw new DriverError("driver-folder-too-large", `${this.description}: more than ${MAX_HOST_ENTRIES} files`, { path: this.description });
    }
  }
  files(): string[] {
    return [...this.list];
  }
  read(path: string): Uint8Array {
    if (path.split(/[\\/]/).some((part) => part === "..") || path.startsWith("/")) throw new DriverError("driver-path-outside", `${this.description}: ${path} is outside the source folder`, { path: this.description });
    // Case-insensitive like Windows: INFs name files in any case.
    const actual = this.byLower.get(path.toLowerCase());
    const full = join(this.root, actual ?? path);
    let fd: number;
    try {
      fd = openSync(full, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch {
      throw new NotFoundError("driver-file-missing", `${full}: the file is missing (or is a symbolic link, which p2vfix does not follow)`, { path: full });
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new NotFoundError("driver-file-missing", `${full} is not a regular file`, { path: full });
      if (st.size > MAX_FILE_BYTES) throw new DriverError("driver-file-too-large", `${full} is ${st.size} bytes`, { path: full });
      const out = new Uint8Array(st.size);
      for (let at = 0; at < out.length; ) {
        const bytesRead = readSync(fd, out, at, out.length - at, at);
        if (bytesRead === 0) throw new DriverError("driver-file-changed", `${full} shrank while it was read`, { path: full });
        at += bytesRead;
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }
  close(): void {}
}

/** Opens an ISO image, a folder or a single .inf as a driver source. */
export function openDriverSource(path: string): DriverSource {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    throw new NotFoundError("driver-source-not-found", `${path} does not exist`, { path });
  }
  if (st.isSymbolicLink()) throw new DriverError("driver-source-link", `${path} is a symbolic link; give the real path (p2vfix does not follow links)`, { path });
  if (st.isDirectory()) return new FolderSource(path, path);
  if (!st.isFile()) throw new DriverError("driver-source-kind", `${path} is not a file or a folder`, { path });
  if (/\.inf$/i.test(path)) {
    // One INF: its folder, with only the INF listed; the files it names are read from beside it.
    const dir = dirname(path);
    return new FolderSource(dir, path, [basename(path)]);
  }
  const device = new FileDevice(path);
  try {
    return new IsoSource(openIso(device, path), device, path);
  } catch (err) {
    device.close();
    throw err;
  }
}
