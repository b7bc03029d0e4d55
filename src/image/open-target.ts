/**
 * Opens what the user points p2vfix at: a disk image (any container, partitioned or a bare
 * volume) or a mounted Windows root on the host, as a list of volumes.
 */
import { statSync } from "node:fs";
import { NotFoundError } from "../errors.js";
import { openHostDir } from "../fs/hostdir/index.js";
import { readPartitionTable, type PartitionTable } from "../partition/index.js";
import { openImage, type DiskImage } from "../vdisk/index.js";
import { Volume, volumeOn } from "./volume.js";

export interface OpenedTarget {
  kind: "image" | "hostdir";
  path: string;
  image?: DiskImage;
  table?: PartitionTable;
  volumes: Volume[];
  close(): void;
}

export function openTarget(path: string, options: { writable?: boolean } = {}): OpenedTarget {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new NotFoundError("not-found", `${path} does not exist`, { path });
  }
  if (isDirectory) {
    const volume = new Volume({ index: 0, kind: "hostdir", openFs: () => openHostDir(path) });
    return { kind: "hostdir", path, volumes: [volume], close: () => {} };
  }
  const image = openImage(path, options.writable ? { writable: true } : {});
  try {
    // The device carries the sector size where the container records one (VHDX); raw disks are probed.
    const table = readPartitionTable(image.device);
    const volumes =
      table.scheme === "none"
        ? [volumeOn(image.device, 0)]
        : table.partitions.filter((p) => !/extended/i.test(p.typeName)).map((p) => volumeOn(p.device, p.index, p));
    return { kind: "image", path, image, table, volumes, close: () => image.close() };
  } catch (err) {
    image.close();
    throw err;
  }
}
