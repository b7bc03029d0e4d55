/**
 * The one interface every filesystem (NTFS, FAT, a mounted Windows root on the host) offers.
 * Paths use "/" or "\" as separators, are relative to the volume root ("" or "/" is the root),
 * and are matched case-insensitively as Windows does.
 */
export interface FileInfo {
  /** Name as stored (the long name where there are several). */
  name: string;
  /** Full path from the root, with "/" separators and the stored case. */
  path: string;
  isDirectory: boolean;
  /** Logical size in bytes of the unnamed data stream (0 for directories). */
  size: number;
  /** Bytes allocated on the volume, where known. */
  allocatedSize?: number;
  created?: Date;
  modified?: Date;
  /** Filesystem-specific identity, e.g. the NTFS MFT record number. */
  id?: number;
  /** NTFS: the file's data is compressed / sparse / encrypted (writes refuse these). */
  compressed?: boolean;
  sparse?: boolean;
  encrypted?: boolean;
  /** NTFS: names of alternate data streams. */
  streams?: string[];
}

export interface FileSystem {
  readonly type: "ntfs" | "fat12" | "fat16" | "fat32" | "hostdir";
  /** Volume label where the filesystem has one. */
  readonly label?: string;
  /** Info for a path, or undefined when it does not exist. */
  stat(path: string): FileInfo | undefined;
  /** Entries of a directory (no "." or ".."); throws NotFoundError/FsError. */
  list(path: string): FileInfo[];
  /** Whole content of a file's unnamed data stream (or of a named stream: "path:stream"). */
  readFile(path: string): Uint8Array;
  /** Reads part of a file without reading the rest (large files such as hiberfil.sys). */
  readFileRange(path: string, offset: number, length: number): Uint8Array;
  /** Opens a file for many ranged reads (a hive read on demand): the path is resolved once. */
  openFile(path: string): OpenFile;
}

/** A file opened by `FileSystem.openFile`; the caller closes it. */
export interface OpenFile {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; the range must lie inside the file. */
  read(offset: number, length: number): Uint8Array;
  /** read() into `target` at `targetOffset` without an intermediate copy, where the filesystem can. */
  readInto?(offset: number, target: Uint8Array, targetOffset: number, length: number): void;
  close(): void;
}

/** Splits a path on "/" and "\" into its non-empty components. */
export function pathComponents(path: string): string[] {
  return path.split(/[\\/]+/).filter((component) => component.length > 0 && component !== ".");
}
