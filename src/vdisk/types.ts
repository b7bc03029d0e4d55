/**
 * Shared shapes of the container layer: what an opened image looks like to the layers above,
 * and how each format translates a virtual-disk offset to a place in a host file.
 */
import type { BlockDevice } from "../io/block-device.js";

export type ImageFormat =
  | "raw"
  | "vhd-fixed"
  | "vhd-dynamic"
  | "vhdx"
  | "vmdk-sparse"
  | "vmdk-flat"
  | "vmdk-stream"
  | "vmdk-split"
  | "qcow2";

export interface DiskImage {
  format: ImageFormat;
  /** The virtual disk, `virtualSize` bytes. */
  device: BlockDevice;
  virtualSize: number;
  /** Bytes the host files occupy on the host filesystem (allocated blocks), where known. */
  allocatedSize?: number;
  /** 512 or 4096: recorded by VHDX; 512 for every other container. */
  logicalSectorSize: number;
  /** Non-fatal anomalies found while opening (wrong checksum tolerated, header copy used, ...). */
  warnings: string[];
  /** Every host file making up the image: descriptor first, then extents. */
  files: string[];
  /**
   * The same host files with the device each was opened on (the device given to openContainer
   * first, then VMDK extents from `openExtent`). Every byte a write changes, metadata included,
   * goes through one of these devices, and growing a file goes through its `resize`.
   */
  hostDevices: { path: string; device: BlockDevice }[];
  close(): void;
}

/**
 * Where `length` bytes starting at a virtual offset live. `length` never crosses the end of
 * the format's allocation unit (block, grain, cluster), so one mapping is one contiguous run.
 * This is the single place each format translates addresses; writes will reuse it.
 */
export type Mapping =
  | { kind: "data"; file: BlockDevice; offset: number; length: number }
  | { kind: "zero"; length: number }
  | {
      kind: "compressed";
      length: number;
      /** Cache key of the compressed unit (host file offset is enough within one image). */
      key: string;
      /** Position of the virtual offset inside the decompressed unit. */
      offsetInUnit: number;
      /** Decompresses the whole unit (cluster or grain). */
      load: () => Uint8Array;
    };

/** A container format's address translation, as used by MappedDevice. */
export interface AddressMap {
  readonly virtualSize: number;
  /** Mapping of the run starting at `virtualOffset` (0 <= virtualOffset < virtualSize). */
  mapOffset(virtualOffset: number): Mapping;
}

/**
 * Where a write of a run goes. The data is written at `file`/`offset`, then `commit` records it
 * in the format's metadata (bitmap bits, BAT/grain/L2 entry). Data before pointer: a crash in
 * between leaks space instead of exposing garbage.
 */
export interface WriteTarget {
  file: BlockDevice;
  offset: number;
  /** Bytes of the run, never crossing the allocation unit. */
  length: number;
  commit?: () => void;
}

/** What the runs of one write checked so far would allocate (dry run). */
export interface WritePlan {
  /** Allocation units (clusters, grains, blocks) to be added. */
  newUnits: number;
  /** Tables to be added (qcow2 L2 tables, VMDK grain tables), by a format-specific key. */
  newTables: Set<string>;
  /** Host unit → guest unit, for formats that refuse two guest units of one write sharing a host unit. */
  hostUnits?: Map<number, number>;
}

/** A format that can also be written: the same translation, allocating where it must. */
export interface WritableAddressMap extends AddressMap {
  /**
   * Once per open, before the first byte changes (VHDX session GUIDs, VMDK CID, qcow2
   * autoclear bits).
   */
  beginWrite?(): void;
  /**
   * Target for writing at most `length` bytes at `virtualOffset`, allocating space when the run
   * is unallocated. Throws RefusedError where the format cannot be written safely. With a
   * `plan` (dry run) nothing is allocated or written: only the refusal checks run, counting
   * in `plan` what earlier runs of the same write would allocate (`offset` is then
   * meaningless). So a write is refused as a whole before any of it happens.
   */
  mapWrite(virtualOffset: number, length: number, plan?: WritePlan): WriteTarget;
  /** Makes the host files durable (fsync). */
  flush(): void;
}
