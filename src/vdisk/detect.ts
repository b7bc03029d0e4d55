/**
 * Container detection by content, never by file name: magic numbers at the start (VHDX, qcow2,
 * VMDK sparse, VHD footer copy) or the end (VHD footer), VMDK text descriptors, and a few
 * formats recognized only to be refused by name. Everything else is raw.
 */
import type { BlockDevice } from "../io/block-device.js";
import { looksLikeDescriptor } from "./vmdk/descriptor.js";

export type DetectedFormat =
  | { kind: "raw" }
  | { kind: "vhd" }
  | { kind: "vhdx" }
  | { kind: "vmdk-sparse" }
  | { kind: "vmdk-descriptor" }
  | { kind: "qcow2" }
  /** Recognized, but p2vfix cannot read it. */
  | { kind: "unsupported"; name: string };

const PROBE_SIZE = 4096;

function startsWith(bytes: Uint8Array, magic: readonly number[] | string, at = 0): boolean {
  const expected = typeof magic === "string" ? Array.from(magic, (char) => char.charCodeAt(0)) : magic;
  if (bytes.length < at + expected.length) return false;
  return expected.every((byte, i) => bytes[at + i] === byte);
}

/**
 * Detects the container of a whole image: `source` is either the device (file) or all of its
 * bytes. Only the first 4 KiB and the last 512 bytes are looked at.
 */
export function detectFormat(source: Uint8Array | BlockDevice): DetectedFormat {
  let head: Uint8Array;
  let tail: Uint8Array;
  if (source instanceof Uint8Array) {
    head = source.subarray(0, PROBE_SIZE);
    tail = source.length >= 512 ? source.subarray(source.length - 512) : new Uint8Array();
  } else {
    head = source.read(0, Math.min(PROBE_SIZE, source.size));
    tail = source.size >= 512 ? source.read(source.size - 512, 512) : new Uint8Array();
  }
  if (startsWith(head, "vhdxfile")) return { kind: "vhdx" };
  if (startsWith(head, [0x51, 0x46, 0x49, 0xfb])) {
    const version = head.length >= 8 ? new DataView(head.buffer, head.byteOffset).getUint32(4, false) : 0;
    return version === 2 || version === 3 ? { kind: "qcow2" } : { kind: "unsupported", name: `qcow version ${version}` };
  }
  if (startsWith(head, "KDMV")) return { kind: "vmdk-sparse" };
  if (startsWith(head, "COWD")) return { kind: "unsupported", name: "VMDK COWD (ESX vmfsSparse delta)" };
  if (startsWith(head, "conectix") || startsWith(tail, "conectix")) return { kind: "vhd" };
  if (startsWith(head, [0x7f, 0x10, 0xda, 0xbe], 64)) return { kind: "unsupported", name: "VirtualBox VDI" };
  if (startsWith(head, "QED\0")) return { kind: "unsupported", name: "QED" };
  if (startsWith(head, "EVF\x09\x0d\x0a\xff\x00")) return { kind: "unsupported", name: "EnCase EWF (E01)" };
  if (startsWith(head, [0x1f, 0x8b])) return { kind: "unsupported", name: "gzip-compressed file (decompress it first)" };
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { kind: "unsupported", name: "xz-compressed file (decompress it first)" };
  if (looksLikeDescriptor(head)) return { kind: "vmdk-descriptor" };
  return { kind: "raw" };
}
