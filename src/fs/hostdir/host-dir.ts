/**
 * A Windows root mounted on the host (a Windows C:\ seen from Linux, an extracted tree),
 * behind the FileSystem interface. Windows paths are case-insensitive: when the exact name
 * is missing on a case-sensitive host, each component is found by listing its directory.
 * Nothing outside the root is reachable: ".." is refused and a symlink whose target
 * leaves the root is treated as absent.
 */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, sep } from "node:path";
import { FsError, NotFoundError } from "../../errors.js";
import { upcaseName } from "../../util/windows-names.js";
import { pathComponents, type FileInfo, type FileSystem, type OpenFile } from "../filesystem.js";

/** Bounds a resolution through pathological trees. */
const MAX_PATH_DEPTH = 256;

interface Resolved {
  /** Host path of the entry (as found, not symlink-resolved). */
  hostPath: string;
  /** Path from the root with the stored case. */
  path: string;
  stats: Stats;
}

export class HostDirFileSystem implements FileSystem {
  readonly type = "hostdir" as const;
  private readonly root: string;

  constructor(rootPath: string) {
    let real: string;
    try {
      real = realpathSync(rootPath);
    } catch (err) {
      throw new NotFoundError("not-found", `host directory ${rootPath} does not exist`, { path: rootPath, cause: err });
    }
    if (!statSync(real).isDirectory()) throw new FsError("not-a-directory", `${rootPath} is not a directory`, { path: rootPath });
    this.root = real;
  }

  private inside(real: string): boolean {
    return real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
  }

  /** Stats of an entry, following symlinks only while they stay inside the root. */
  private safeStat(hostPath: string): Stats | undefined {
    let real: string;
    try {
      real = realpathSync(hostPath);
    } catch {
      return undefined; // missing, or a dangling symlink
    }
    if (!this.inside(real)) return undefined;
    return statSync(real);
  }

  private childName(dir: string, wanted: string): string | undefined {
    try {
      lstatSync(join(dir, wanted));
      // The exact name exists; on a case-insensitive host it may differ in case from the stored one.
      const names = readdirSync(dir);
      return names.includes(wanted) ? wanted : (names.find((candidate) => upcaseName(candidate) === upcaseName(wanted)) ?? wanted);
    } catch {
      // Not there by that exact name: look for it case-insensitively.
      const upper = upcaseName(wanted);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return undefined;
      }
      return names.filter((candidate) => upcaseName(candidate) === upper).sort()[0];
    }
  }

  private resolve(path: string): Resolved | undefined {
    const parts = pathComponents(path);
    if (parts.length > MAX_PATH_DEPTH) throw new FsError("path-too-deep", `path has more than ${MAX_PATH_DEPTH} components`, { path });
    if (parts.includes("..")) throw new FsError("path-escape", `path ${path} contains "..", which could leave the root`, { path });
    let hostPath = this.root;
    const stored: string[] = [];
    let stats = statSync(this.root);
    for (const part of parts) {
      if (!stats.isDirectory()) return undefined;
      const name = this.childName(hostPath, part);
      if (name === undefined) return undefined;
      hostPath = join(hostPath, name);
      const hostStats = this.safeStat(hostPath);
      if (hostStats === undefined) return undefined;
      stats = hostStats;
      stored.push(name);
    }
    return { hostPath, path: stored.join("/"), stats };
  }

  private info(name: string, path: string, stats: Stats): FileInfo {
    const isDirectory = stats.isDirectory();
    return {
      name,
      path,
      isDirectory,
      size: isDirectory ? 0 : stats.size,
      allocatedSize: stats.blocks * 512,
      created: stats.birthtime,
      modified: stats.mtime,
      id: stats.ino,
    };
  }

  stat(path: string): FileInfo | undefined {
    const resolved = this.resolve(path);
    if (!resolved) return undefined;
    return this.info(resolved.path.split("/").pop() ?? "", resolved.path, resolved.stats);
  }

  list(path: string): FileInfo[] {
    const resolved = this.resolve(path);
    if (!resolved) throw new NotFoundError("not-found", `no such directory: ${path}`, { path });
    if (!resolved.stats.isDirectory()) throw new FsError("not-a-directory", `${path} is a file, not a directory`, { path });
    const out: FileInfo[] = [];
    for (const name of readdirSync(resolved.hostPath).sort()) {
      const stats = this.safeStat(join(resolved.hostPath, name));
      if (stats === undefined) continue; // dangling, or pointing outside the root
      if (!stats.isFile() && !stats.isDirectory()) continue; // devices, sockets, fifos
      out.push(this.info(name, resolved.path ? `${resolved.path}/${name}` : name, stats));
    }
    return out;
  }

  private file(path: string): Resolved {
    const resolved = this.resolve(path);
    if (!resolved) throw new NotFoundError("not-found", `no such file: ${path}`, { path });
    if (resolved.stats.isDirectory()) throw new FsError("is-directory", `${path} is a directory`, { path });
    if (!resolved.stats.isFile()) throw new FsError("not-a-file", `${path} is not a regular file`, { path });
    return resolved;
  }

  readFile(path: string): Uint8Array {
    const resolved = this.file(path);
    return this.readAt(resolved, path, 0, resolved.stats.size, true);
  }

  readFileRange(path: string, offset: number, length: number): Uint8Array {
    const resolved = this.file(path);
    checkFileRange(path, offset, length, resolved.stats.size);
    return this.readAt(resolved, path, offset, length, false);
  }

  openFile(path: string): OpenFile {
    const fd = this.openResolved(this.file(path), path);
    const size = fstatSync(fd).size;
    let open = true;
    return {
      size,
      read: (offset, length) => {
        if (!open) throw new FsError("closed", `${path} was closed`, { path });
        checkFileRange(path, offset, length, size);
        return readFully(fd, path, offset, length);
      },
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }

  private readAt(resolved: Resolved, path: string, offset: number, length: number, whole: boolean): Uint8Array {
    const fd = this.openResolved(resolved, path);
    try {
      return readFully(fd, path, offset, whole ? fstatSync(fd).size : length);
    } finally {
      closeSync(fd);
    }
  }

  /** Opens the resolved real path, so that a symlink swapped after the check cannot redirect the read. */
  private openResolved(resolved: Resolved, path: string): number {
    const real = realpathSync(resolved.hostPath);
    if (!this.inside(real)) throw new FsError("path-escape", `${path} now points outside the root`, { path });
    return openSync(real, "r");
  }
}

function checkFileRange(path: string, offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FsError("out-of-range", `read of ${length} bytes at ${offset} is outside ${path} (${size} bytes)`, { path });
  }
}

function readFully(fd: number, path: string, offset: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const bytesRead = readSync(fd, out, done, size - done, offset + done);
    if (bytesRead === 0) throw new FsError("short-read", `${path} ended at ${offset + done} while reading`, { path, offset: offset + done });
    done += bytesRead;
  }
  return out;
}
