import { PartitionError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { SliceDevice } from "../io/slice-device.js";
import type { Partition } from "./types.js";

export type PartitionFields = Omit<Partition, "device" | "start" | "size">;

/**
 * Builds a Partition whose `device` is a slice of the disk. Partitions that run past the end
 * of the disk are still listed (sfdisk and mmls list them too, and the caller needs to see
 * them to explain a truncated image), but asking for their bytes is a typed error.
 */
export function makePartition(disk: BlockDevice, sectorSize: number, fields: PartitionFields): Partition {
  const start = fields.startSector * sectorSize;
  const size = fields.sectorCount * sectorSize;
  let device: BlockDevice | undefined;
  const partition = { ...fields, start, size } as Partition;
  Object.defineProperty(partition, "device", {
    enumerable: false,
    get(): BlockDevice {
      if (device === undefined) {
        if (start + size > disk.size) {
          throw new PartitionError(
            "partition-beyond-disk",
            `partition ${fields.index} (bytes ${start}..${start + size}) runs past the end of the disk (${disk.size} bytes)`,
            { offset: start },
          );
        }
        device = new SliceDevice(disk, start, size);
      }
      return device;
    },
  });
  return partition;
}

/** Whether a partition lies wholly inside the disk. */
export function insideDisk(partition: Partition, diskSize: number): boolean {
  return partition.start + partition.size <= diskSize;
}
