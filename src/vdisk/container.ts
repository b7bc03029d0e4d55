/** What each format's opener hands back to openImage, before the host files are attached. */
import type { BlockDevice } from "../io/block-device.js";
import type { ImageFormat } from "./types.js";

export interface OpenedContainer {
  format: ImageFormat;
  device: BlockDevice;
  virtualSize: number;
  logicalSectorSize: number;
  warnings: string[];
  /** Host files opened besides the main one (VMDK extents), closed with the image. */
  extraFiles: { path: string; device: BlockDevice }[];
}
