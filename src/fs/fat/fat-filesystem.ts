/**
 * FAT12/16/32 read access behind the FileSystem interface. Lookups are case-insensitive and
 * match the long name or the 8.3 name, as Windows does.
 */
import { FsError, NotFoundError } from "../../errors.js";
import type { BlockDevice } from "../../io/block-device.js";
import { pathComponents, type FileInfo, type FileSystem, type OpenFile } from "../filesystem.js";
import { parseFatBootSector, type FatBootSector, type FatType } from "./boot-sector.js";
import { parseDirectory, type DirEntry } from "./directory-entry.js";
import { FatTable } from "./fat-table.js";
import { upcaseName } from "../../util/windows-names.js";

/** The FAT spec caps a directory at 65536 entries (2 MiB). */
const MAX_DIRECTORY_BYTES = 65536 * 32;
/** Deeper than any real tree; bounds a walk through directory cycles made by corruption. */
const MAX_PATH_DEPTH = 256;

interface Node {
  entry: DirEntry | undefined; // undefined for the root
  path: string;
  /** Volume offset of the short entry: a stable identity for the file. */
  id?: number;
}

export class FatFileSystem implements FileSystem {
  readonly type: FatType;
  readonly label?: string;
  readonly boot: FatBootSector;
  private readonly fat: FatTable;
  private readonly directoryCache = new Map<number, DirEntry[]>();

  constructor(private readonly device: BlockDevice) {
    if (device.size < 512) throw new FsError("truncated", `volume of ${device.size} bytes is too small for a FAT boot sector`, { offset: 0 });
    this.boot = parseFatBootSector(device.read(0, 512), device.size);
    this.type = this.boot.type;
    this.fat = new FatTable(device, this.boot);
    const label = this.listRoot().find((dirEntry) => dirEntry.isVolumeLabel)?.name ?? this.boot.volumeLabel;
    if (label !== undefined && label !== "" && label !== "NO NAME") this.label = label;
  }

  private clusterSize(): number {
    return this.boot.clusterSize;
  }

  private listRoot(): DirEntry[] {
    const cached = this.directoryCache.get(0);
    if (cached) return cached;
    let bytes: Uint8Array;
    if (this.type === "fat32") bytes = this.readChainBytes(this.boot.rootCluster, "root directory", MAX_DIRECTORY_BYTES);
    else bytes = this.device.read(this.boot.firstRootDirSector * this.boot.bytesPerSector, this.boot.rootEntryCount * 32);
    const entries = this.withoutSelfLinks(this.normalise(parseDirectory(bytes)), this.type === "fat32" ? this.boot.rootCluster : 0);
    this.directoryCache.set(0, entries);
    return entries;
  }

  private listDirectoryEntry(entry: DirEntry, path: string): DirEntry[] {
    if (entry.firstCluster === 0) throw new FsError("fat-bad-directory", `directory ${path} has no first cluster`, { path });
    const cached = this.directoryCache.get(entry.firstCluster);
    if (cached) return cached;
    const entries = this.withoutSelfLinks(
      this.normalise(parseDirectory(this.readChainBytes(entry.firstCluster, path, MAX_DIRECTORY_BYTES))),
      entry.firstCluster,
    );
    this.directoryCache.set(entry.firstCluster, entries);
    return entries;
  }

  /**
   * A subdirectory entry pointing at its own directory or at the root would make every
   * recursive walk endless; such entries exist only through corruption and are dropped.
   */
  private withoutSelfLinks(entries: DirEntry[], ownCluster: number): DirEntry[] {
    const rootCluster = this.type === "fat32" ? this.boot.rootCluster : 0;
    return entries.filter((entry) => !entry.isDirectory || (entry.firstCluster !== ownCluster && entry.firstCluster !== rootCluster));
  }

  /** FAT12/16 keep extended attribute handles in the high cluster word: ignore it there. */
  private normalise(entries: DirEntry[]): DirEntry[] {
    if (this.type !== "fat32") for (const entry of entries) entry.firstCluster &= 0xffff;
    return entries;
  }

  private readChainBytes(first: number, what: string, maxBytes: number): Uint8Array {
    const clusters = this.fat.chain(first, what, Math.ceil(maxBytes / this.clusterSize()));
    return this.readClusters(clusters, 0, clusters.length * this.clusterSize());
  }

  /** Reads `length` bytes starting `offset` bytes into the data of `clusters`. */
  private readClusters(clusters: number[], offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const size = this.clusterSize();
    let done = 0;
    while (done < length) {
      const pos = offset + done;
      const index = Math.floor(pos / size);
      const within = pos - index * size;
      const chunk = Math.min(size - within, length - done);
      // Merge physically consecutive clusters into one read.
      let run = chunk;
      let cluster = index;
      while (within === 0 && run < length - done && cluster + 1 < clusters.length && clusters[cluster + 1] === clusters[cluster] + 1) {
        cluster++;
        run = Math.min(run + size, length - done);
      }
      out.set(this.device.read(this.fat.clusterOffset(clusters[index]) + within, run), done);
      done += run;
    }
    return out;
  }

  private resolve(path: string): Node | undefined {
    const parts = pathComponents(path);
    if (parts.length > MAX_PATH_DEPTH) throw new FsError("path-too-deep", `path has more than ${MAX_PATH_DEPTH} components`, { path });
    let node: Node = { entry: undefined, path: "" };
    for (const part of parts) {
      if (node.entry && !node.entry.isDirectory) return undefined;
      const children = node.entry ? this.listDirectoryEntry(node.entry, node.path) : this.listRoot();
      const wanted = upcaseName(part);
      const match =
        children.find((child) => !child.isVolumeLabel && upcaseName(child.name) === wanted) ??
        children.find((child) => !child.isVolumeLabel && upcaseName(child.shortName) === wanted);
      if (!match) return undefined;
      node = { entry: match, path: node.path ? `${node.path}/${match.name}` : match.name, id: this.entryId(node, match) };
    }
    return node;
  }

  private entryId(parent: Node, entry: DirEntry): number {
    // Unique per entry: the parent's first cluster and the entry's slot in it.
    const parentKey = parent.entry ? parent.entry.firstCluster : 0;
    return parentKey * 65536 + entry.entryOffset / 32;
  }

  private info(node: Node): FileInfo {
    const dirEntry = node.entry;
    if (!dirEntry) return { name: "", path: "", isDirectory: true, size: 0 };
    const info: FileInfo = { name: dirEntry.name, path: node.path, isDirectory: dirEntry.isDirectory, size: dirEntry.isDirectory ? 0 : dirEntry.size };
    if (node.id !== undefined) info.id = node.id;
    if (dirEntry.created) info.created = dirEntry.created;
    if (dirEntry.modified) info.modified = dirEntry.modified;
    if (!dirEntry.isDirectory) info.allocatedSize = Math.ceil(dirEntry.size / this.clusterSize()) * this.clusterSize();
    return info;
  }

  stat(path: string): FileInfo | undefined {
    const node = this.resolve(path);
    return node ? this.info(node) : undefined;
  }

  list(path: string): FileInfo[] {
    const node = this.resolve(path);
    if (!node) throw new NotFoundError("not-found", `no such directory: ${path}`, { path });
    if (node.entry && !node.entry.isDirectory) throw new FsError("not-a-directory", `${path} is a file, not a directory`, { path });
    const children = node.entry ? this.listDirectoryEntry(node.entry, node.path) : this.listRoot();
    return children
      .filter((child) => !child.isVolumeLabel)
      .map((child) => this.info({ entry: child, path: node.path ? `${node.path}/${child.name}` : child.name, id: this.entryId(node, child) }));
  }

  private fileEntry(path: string): DirEntry {
    const node = this.resolve(path);
    if (!node) throw new NotFoundError("not-found", `no such file: ${path}`, { path });
    if (!node.entry || node.entry.isDirectory) throw new FsError("is-directory", `${path} is a directory`, { path });
    return node.entry;
  }

  readFile(path: string): Uint8Array {
    const entry = this.fileEntry(path);
    return this.readEntryRange(entry, path, 0, entry.size);
  }

  openFile(path: string): OpenFile {
    const entry = this.fileEntry(path);
    return { size: entry.size, read: (offset, length) => this.readEntryRangeChecked(entry, path, offset, length), close: () => {} };
  }

  readFileRange(path: string, offset: number, length: number): Uint8Array {
    return this.readEntryRangeChecked(this.fileEntry(path), path, offset, length);
  }

  private readEntryRangeChecked(entry: DirEntry, path: string, offset: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > entry.size) {
      throw new FsError("out-of-range", `read of ${length} bytes at ${offset} is outside ${path} (${entry.size} bytes)`, { path });
    }
    return this.readEntryRange(entry, path, offset, length);
  }

  private readEntryRange(entry: DirEntry, path: string, offset: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    if (entry.firstCluster === 0) {
      throw new FsError("fat-bad-file", `${path} has ${entry.size} bytes but no first cluster`, { path });
    }
    // Only the clusters up to the end of the range are walked.
    const needed = Math.ceil((offset + length) / this.clusterSize());
    const clusters = this.fat.chain(entry.firstCluster, path, needed);
    if (clusters.length < needed) {
      throw new FsError("fat-chain-short", `${path}: cluster chain has ${clusters.length} clusters, ${needed} needed for its ${entry.size} bytes`, {
        path,
      });
    }
    return this.readClusters(clusters, offset, length);
  }
}
