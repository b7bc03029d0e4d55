/**
 * Disk image containers → one virtual-disk BlockDevice. Formats are detected by content.
 *
 *   const image = openImage("disk.vhdx");
 *   image.device.read(0, 512); image.close();
 */
import { ImageError, RefusedError } from "../errors.js";
import type { BlockDevice } from "../io/block-device.js";
import { FileDevice } from "../io/file-device.js";
import type { OpenedContainer } from "./container.js";
import { detectFormat } from "./detect.js";
import { HostSlice } from "./host-slice.js";
import { openQcow2 } from "./qcow2/image.js";
import type { DiskImage } from "./types.js";
import { openVhd } from "./vhd/image.js";
import { openVhdx } from "./vhdx/image.js";
import { type ExtentOpener, openVmdkDescriptor, openVmdkSparse } from "./vmdk/image.js";

export { detectFormat, type DetectedFormat } from "./detect.js";
export type { AddressMap, DiskImage, ImageFormat, Mapping, WritableAddressMap, WriteTarget } from "./types.js";
export type { ExtentOpener } from "./vmdk/image.js";

export interface OpenImageOptions {
  /**
   * Make the virtual disk writable. Every format except stream-optimized VMDK can be written;
   * unallocated blocks are allocated at the end of the host file (see README "Supported image
   * formats" for what is refused). openImage then opens the host files read-write;
   * openContainer needs a writable device (an OverlayDevice over a read-only file is one).
   */
  writable?: boolean;
  /**
   * Opens the extent files a VMDK descriptor names (default: a FileDevice, read-write when
   * `writable`). The transaction engine passes overlays here; the devices come back in
   * `DiskImage.hostDevices` and are closed with the image.
   */
  openExtent?: ExtentOpener;
}

function openRaw(file: BlockDevice, onClose: () => void): OpenedContainer {
  const warnings: string[] = [];
  if (file.size % 512 !== 0) warnings.push(`raw image size ${file.size} is not a multiple of 512 bytes`);
  return { format: "raw", device: new HostSlice(file, 0, file.size, onClose), virtualSize: file.size, logicalSectorSize: 512, warnings, extraFiles: [] };
}

export function openImage(path: string, options: OpenImageOptions = {}): DiskImage {
  const writable = options.writable ?? false;
  const file = new FileDevice(path, { writable });
  try {
    return openContainer(file, path, { ...options, writable });
  } catch (err) {
    file.close();
    throw err;
  }
}

/**
 * Opens a container held by an already open device (`path` names it in messages; VMDK
 * descriptors resolve their extents against it). The image owns `file`: closing the image
 * closes it. On error the caller still owns `file`.
 */
export function openContainer(file: BlockDevice, path: string, options: OpenImageOptions = {}): DiskImage {
  const writable = options.writable ?? false;
  if (writable && !file.writable) throw new ImageError("read-only", `${path}: a writable image needs a writable device`, { path });
  let closed = false;
  const closeFile = () => {
    if (!closed) file.close();
    closed = true;
  };
  let opened: OpenedContainer;
  const detected = detectFormat(file);
  switch (detected.kind) {
    case "raw":
      opened = openRaw(file, closeFile);
      break;
    case "vhd":
      opened = openVhd(file, path, closeFile, writable);
      break;
    case "vhdx":
      opened = openVhdx(file, path, closeFile, writable);
      break;
    case "qcow2":
      opened = openQcow2(file, path, closeFile, writable);
      break;
    case "vmdk-sparse":
      opened = openVmdkSparse(file, path, closeFile, writable);
      break;
    case "vmdk-descriptor":
      opened = openVmdkDescriptor(file, path, closeFile, writable, options.openExtent);
      break;
    case "unsupported":
      throw new ImageError("unsupported-format", `${path}: ${detected.name} images are not supported${unsupportedHint(detected.name, path)}`, { path });
  }
  if (writable && !opened.device.writable) {
    for (const extraFile of opened.extraFiles) extraFile.device.close();
    throw new RefusedError("unsupported-write", `${path}: writing into a ${opened.format} image is not supported; convert it (qemu-img convert) or open it read-only`, {
      path,
    });
  }
  const hostFiles = [{ path, device: file }, ...opened.extraFiles];
  let allocatedSize = 0;
  for (const hostFile of hostFiles) allocatedSize += hostFile.device instanceof FileDevice ? hostFile.device.allocatedBytes() : hostFile.device.size;
  const device = opened.device;
  return {
    format: opened.format,
    device,
    virtualSize: opened.virtualSize,
    allocatedSize,
    logicalSectorSize: opened.logicalSectorSize,
    warnings: opened.warnings,
    files: hostFiles.map((hostFile) => hostFile.path),
    hostDevices: hostFiles,
    close: () => device.close(),
  };
}

/** What to do with a format p2vfix does not open: the usual converter (qemu-img(1); libewf's ewfexport/ewfmount). */
function unsupportedHint(name: string, path: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  if (name.startsWith("EnCase")) {
    return `; convert it to a raw image first: ewfexport -t disk -f raw ${quoted} (package ewf-tools), or ewfmount ${quoted} /mnt/ewf and copy /mnt/ewf/ewf1 to a raw file; p2vfix then works on that copy`;
  }
  if (name === "VirtualBox VDI" || name === "QED" || name.startsWith("qcow version")) return `; convert it: qemu-img convert -p -O qcow2 ${quoted} disk.qcow2 (or VBoxManage clonemedium --format VHD)`;
  if (name.startsWith("VMDK COWD")) return "; consolidate the snapshot on ESXi first (or vmkfstools -i to a flat disk)";
  return "";
}
