/**
 * Differencing children of an image: a qcow2 overlay whose backing file is it, a VMDK whose
 * descriptor names it in parentFileNameHint, a differencing VHD or VHDX (.avhd/.avhdx
 * checkpoint) whose parent locator names it. Writing a parent changes what every child shows,
 * so such an image is refused (disk-formats-notes §6.3 item 1). Only the image's own folder is
 * searched: that is where hypervisors put checkpoints and snapshots.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export interface DependentChild {
  path: string;
  kind: "qcow2" | "vmdk" | "vhd" | "vhdx";
  /** The parent as the child names it. */
  parentName: string;
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  const bytesRead = readSync(fd, out, 0, length, offset);
  return out.subarray(0, bytesRead);
}

function samePath(left: string, right: string): boolean {
  try {
    return realpathSync(left) === realpathSync(right);
  } catch {
    return false;
  }
}

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(text, "utf16le");
  if (!bigEndian) return le;
  const be = Buffer.alloc(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1];
    be[i + 1] = le[i];
  }
  return be;
}

/** Case-insensitive search for `name` in UTF-16 (Windows stores parent paths that way). */
function mentionsUtf16(bytes: Buffer, name: string, bigEndian: boolean): boolean {
  return [name, name.toLowerCase(), name.toUpperCase()].some((spelling) => bytes.includes(utf16(spelling, bigEndian)));
}

function childOf(path: string, imagePath: string): DependentChild | undefined {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 0, 4096);
    const name = basename(imagePath);
    if (head.length >= 24 && head.readUInt32BE(0) === 0x514649fb) {
      const offset = Number(head.readBigUInt64BE(8));
      const length = head.readUInt32BE(16);
      if (offset === 0 || length === 0 || length > 1023 || offset + length > size) return undefined;
      const parentName = readAt(fd, offset, length).toString("utf8");
      return samePath(resolve(dirname(path), parentName), imagePath) ? { path, kind: "qcow2", parentName } : undefined;
    }
    let descriptor: string | undefined;
    if (head.subarray(0, 4).toString("latin1") === "KDMV" && head.length >= 44) {
      const at = Number(head.readBigUInt64LE(28)) * 512;
      const length = Math.min(Number(head.readBigUInt64LE(36)) * 512, 64 * 1024);
      if (at > 0 && length > 0) descriptor = readAt(fd, at, length).toString("latin1");
    } else if (/^\s*#\s*Disk\s*Descriptor/i.test(head.toString("latin1"))) {
      descriptor = readAt(fd, 0, Math.min(size, 64 * 1024)).toString("latin1");
    }
    if (descriptor !== undefined) {
      const hint = /parentFileNameHint\s*=\s*"([^"]*)"/i.exec(descriptor)?.[1];
      return hint !== undefined && samePath(resolve(dirname(path), hint), imagePath) ? { path, kind: "vmdk", parentName: hint } : undefined;
    }
    if (head.subarray(0, 8).toString("latin1") === "vhdxfile") {
      // The parent locator lives in the metadata region; its offset is in the region table at 192 KiB.
      const table = readAt(fd, 192 * 1024, 64 * 1024);
      if (table.subarray(0, 4).toString("latin1") !== "regi") return undefined;
      const count = Math.min(table.readUInt32LE(8), 2047);
      for (let i = 0; i < count; i++) {
        const entry = table.subarray(16 + i * 32, 48 + i * 32);
        if (entry.length < 32) break;
        const guid = entry.subarray(0, 16).toString("hex");
        if (guid !== "06a27c8b90479a4bb8fe575f050f886e") continue; // metadata region 8B7CA206-4790-4B9A-B8FE-575F050F886E
        const metadata = readAt(fd, Number(entry.readBigUInt64LE(16)), Math.min(entry.readUInt32LE(24), 1024 * 1024));
        return mentionsUtf16(metadata, name, false) ? { path, kind: "vhdx", parentName: name } : undefined;
      }
      return undefined;
    }
    // VHD: footer copy at 0 (dynamic/differencing) with disk type 4, parent name in the dynamic header.
    if (head.subarray(0, 8).toString("latin1") === "conectix" && head.length >= 512 && head.readUInt32BE(60) === 4) {
      const dynamic = readAt(fd, Number(head.readBigUInt64BE(16)), 1024);
      return dynamic.subarray(0, 8).toString("latin1") === "cxsparse" && mentionsUtf16(dynamic.subarray(64, 576), name, true) ? { path, kind: "vhd", parentName: name } : undefined;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Images in the folder of `imagePath` that use it as their parent. */
export function findDependentChildren(imagePath: string): DependentChild[] {
  const dir = dirname(resolve(imagePath));
  const children: DependentChild[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (samePath(path, imagePath) || !/\.(qcow2?|img|vmdk|vhdx?|avhdx?)$/i.test(entry)) continue;
    try {
      if (!statSync(path).isFile()) continue;
      const child = childOf(path, imagePath);
      if (child) children.push(child);
    } catch {
      // Unreadable neighbours are not ours to judge.
    }
  }
  return children;
}
