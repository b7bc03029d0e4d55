/**
 * Opens what the user points p2vfix at: a disk image (any container, partitioned or a bare
 * volume; a file, or a block device holding one) or a mounted Windows root on the host, as a
 * list of volumes.
 */
import { openHostDir } from "../fs/hostdir/index.js";
import { readPartitionTable, type PartitionTable } from "../partition/index.js";
import { openImage, type DiskImage } from "../vdisk/index.js";
import { hostTargetKind } from "./host-target.js";
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
  // An image file or a block device is read the same way, by its content (hostTargetKind refuses the rest).
  if (hostTargetKind(path) === "directory") {
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
        : table.partitions.filter((partition) => !/extended/i.test(partition.typeName)).map((partition) => volumeOn(partition.device, partition.index, partition));
    return { kind: "image", path, image, table, volumes, close: () => image.close() };
  } catch (err) {
    image.close();
    throw err;
  }
}
