/**
 * VMDK text descriptor: `key = "value"` lines and extent lines
 * `RW|RDONLY|NOACCESS <sectors> FLAT|SPARSE|ZERO|VMFS|... ["file" [offset]]`. Either a file of
 * its own (split and flat disks) or embedded in a monolithic sparse extent.
 * Source: libvmdk "VMware Virtual Disk (VMDK) format" documentation, VMware VMDK 5.0 technote.
 */
import { ImageError } from "../../errors.js";

/** A descriptor is text; anything larger than this is not one. */
export const MAX_DESCRIPTOR_SIZE = 1024 * 1024;

export interface VmdkExtentLine {
  access: string;
  sectors: number;
  type: string;
  file?: string;
  /** Start in the extent file, in sectors (flat extents). */
  offset: number;
  line: number;
}

export interface VmdkDescriptor {
  fields: Map<string, string>;
  createType: string;
  parentCID?: string;
  extents: VmdkExtentLine[];
}

const EXTENT = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Z]+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*$/;
const FIELD = /^([A-Za-z0-9_.]+)\s*=\s*(?:"([^"]*)"|(\S*))\s*$/;

/** True when `bytes` (the start of a file) looks like a VMDK text descriptor. */
export function looksLikeDescriptor(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  // Text up to its NUL padding; a NUL before that is binary (a boot sector: every raw image).
  // Counted on the bytes: a regular expression for the trailing NULs backtracked through every
  // run of zeros in a boot sector, ~0.3 ms per open of a raw image.
  let end = head.length;
  while (end > 0 && head[end - 1] === 0) end--;
  if (head.subarray(0, end).includes(0)) return false;
  const text = Buffer.from(head.subarray(0, end)).toString("latin1");
  return /^\s*#\s*Disk DescriptorFile/i.test(text) || (/^\s*version\s*=/m.test(text) && /^\s*createType\s*=/m.test(text));
}

export function parseDescriptor(bytes: Uint8Array, path: string): VmdkDescriptor {
  if (bytes.length > MAX_DESCRIPTOR_SIZE) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor is larger than 1 MiB`, { path });
  // Embedded descriptors are padded with NULs up to their reserved size.
  const end = bytes.indexOf(0);
  const text = Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString("utf8");
  const fields = new Map<string, string>();
  const extents: VmdkExtentLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const ext = EXTENT.exec(line);
    if (ext) {
      const sectors = Number(ext[2]);
      const offset = ext[5] === undefined ? 0 : Number(ext[5]);
      if (!Number.isSafeInteger(sectors) || !Number.isSafeInteger(offset * 512)) {
        throw new ImageError("bad-descriptor", `${path}: VMDK extent line ${i + 1} has an out-of-range size`, { path });
      }
      extents.push({ access: ext[1], sectors, type: ext[3], ...(ext[4] === undefined ? {} : { file: ext[4] }), offset, line: i + 1 });
      return;
    }
    const field = FIELD.exec(line);
    if (field) fields.set(field[1], field[2] ?? field[3]);
  });
  const createType = fields.get("createType");
  if (createType === undefined) throw new ImageError("bad-descriptor", `${path}: VMDK descriptor has no createType`, { path });
  const parentCID = fields.get("parentCID");
  return { fields, createType, ...(parentCID === undefined ? {} : { parentCID }), extents };
}

/** Refuses descriptors that need a parent disk (snapshots, linked clones). */
export function refuseParent(vmdkDescriptor: VmdkDescriptor, path: string): void {
  const hint = vmdkDescriptor.fields.get("parentFileNameHint");
  if ((vmdkDescriptor.parentCID !== undefined && vmdkDescriptor.parentCID.toLowerCase() !== "ffffffff") || hint !== undefined) {
    throw new ImageError(
      "unsupported-differencing",
      `${path}: VMDK delta disk (parentCID ${vmdkDescriptor.parentCID ?? "?"}${hint ? `, parent "${hint}"` : ""}) needs its parent; snapshot chains are not supported`,
      { path },
    );
  }
}
