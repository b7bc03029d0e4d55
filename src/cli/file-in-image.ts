/**
 * The file a `cat IMAGE:PATH` names, opened for reading, and its bytes in chunks: shared by the
 * `cat` command (commands/disk.ts) and its fast path (fast-cat.ts), so both look it up, refuse
 * and read the same way. Imports no commander and no output streams (the fast path's bundle).
 */
import { UsageError } from "../errors.js";
import type { OpenFile } from "../fs/filesystem.js";
import { resolveInnerPath } from "../image/hive-source.js";
import { openTarget } from "../image/open-target.js";
import { parseTargetSpec } from "../image/target-spec.js";

/**
 * Bytes read at a time: large enough for long sequential reads, small enough that the one buffer
 * stays in the CPU's cache and costs few page faults to make. 4 MiB chunks took ~2 ms more of a
 * `cat` of an 11 MiB hive than 256 KiB or 1 MiB ones (fresh pages fault in 4 KiB at a time).
 */
const CHUNK = 1 << 20;

export interface FileInImage {
  file: OpenFile;
  /** Closes the file, then the image. */
  close(): void;
}

export function openFileInImage(spec: string, partition?: number): FileInImage {
  const { container, inner } = parseTargetSpec(spec);
  if (inner === undefined) throw new UsageError("path-needed", `give a path inside the image: ${container}:PATH`);
  const target = openTarget(container);
  try {
    const { volume, path } = resolveInnerPath(target, inner, partition);
    const fs = volume.fs();
    if (fs.stat(path)?.isDirectory) throw new UsageError("is-directory", `${spec} is a folder; cat writes files`);
    const file = fs.openFile(path);
    return {
      file,
      close: () => {
        try {
          file.close();
        } finally {
          target.close();
        }
      },
    };
  } catch (err) {
    target.close();
    throw err;
  }
}

/**
 * The file's bytes in order, each chunk read straight into one reused buffer (no second copy
 * where the filesystem can): a caller writes a chunk out before asking for the next.
 */
export function* fileChunks(file: OpenFile): Generator<Uint8Array> {
  const buffer = new Uint8Array(Math.min(CHUNK, file.size));
  for (let offset = 0; offset < file.size; offset += buffer.length) {
    const length = Math.min(buffer.length, file.size - offset);
    if (file.readInto) file.readInto(offset, buffer, 0, length);
    else buffer.set(file.read(offset, length));
    yield buffer.subarray(0, length);
  }
}
