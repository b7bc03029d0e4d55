/**
 * An NTFS volume a caller can read and write: the reading volume (readable-volume.ts) plus
 * the write operations, each of which hands the work to write/ or create/. This is the
 * library's NTFS entry point.
 */
import type { BlockDevice } from "../../io/block-device.js";
import { ReadableNtfsVolume } from "./readable-volume.js";
import { rewriteFile, type RewriteReport } from "./write/rewrite-file.js";
import { NtfsWriter, type CreateOptions, type FileContent, type RemoveOptions, type WriterOptions } from "./create/ntfs-writer.js";

export { MftRecordNumber, ReadableNtfsVolume, type NtfsListOptions, type NtfsPath } from "./readable-volume.js";

export class NtfsVolume extends ReadableNtfsVolume {
  /**
   * Replaces the unnamed $DATA of an existing file (see write/rewrite-file.ts for what is
   * changed and what is refused). Writes go to this volume's device only.
   */
  rewriteFile(path: string, data: Uint8Array): RewriteReport {
    return rewriteFile(this, path, data);
  }

  /**
   * A session for creating and deleting files and folders (create/ntfs-writer.ts): nothing
   * reaches this volume's device until its commit() (unless `staged: false`, see WriterOptions).
   */
  writer(options: WriterOptions = {}): NtfsWriter {
    return new NtfsWriter(this, options);
  }

  /** Creates (or with `overwrite` replaces) one file and commits; returns its record number. */
  createFile(path: string, content: FileContent, options: CreateOptions = {}): number {
    return this.session((ntfsWriter) => ntfsWriter.createFile(path, content, options));
  }

  /** Creates one folder (and its parents with `parents`) and commits; returns its record number. */
  mkdir(path: string, options: { parents?: boolean; time?: Date } = {}): number {
    return this.session((ntfsWriter) => ntfsWriter.mkdir(path, options));
  }

  /** Deletes a file or a folder (empty, or with its contents when `recursive`) and commits. */
  remove(path: string, options: RemoveOptions = {}): void {
    this.session((ntfsWriter) => ntfsWriter.remove(path, options));
  }

  /** One writer session: committed when `work` succeeds, discarded when it throws. */
  private session<T>(work: (ntfsWriter: NtfsWriter) => T): T {
    const ntfsWriter = this.writer();
    try {
      const result = work(ntfsWriter);
      ntfsWriter.commit();
      return result;
    } catch (err) {
      ntfsWriter.discard();
      throw err;
    }
  }
}

export function openNtfs(device: BlockDevice): NtfsVolume {
  return new NtfsVolume(device);
}
