export type { BlockDevice } from "./block-device.js";
export { FileDevice } from "./file-device.js";
export { MemoryDevice } from "./memory-device.js";
export { SliceDevice } from "./slice-device.js";
export { OverlayDevice, type WrittenRange } from "./overlay-device.js";
