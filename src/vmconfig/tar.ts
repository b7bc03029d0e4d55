/**
 * The tar (POSIX ustar) layout of an OVA, read by hand so that an edit can replace one
 * member and keep every other header and data block byte for byte (a tar library would
 * re-serialise headers). 512-byte header: name[100] at 0, size[12] octal at 124,
 * checksum[8] at 148, typeflag at 156, magic "ustar" at 257, prefix[155] at 345; data
 * padded to 512; pax ('x') and GNU long-name ('L') records name the next member.
 */
import { VmConfigError } from "../errors.js";

export const BLOCK = 512;
const MAX_MEMBERS = 100_000;

export interface TarMember {
  name: string;
  /** Offset of the member's own header block, of its data, and its data size. */
  headerOffset: number;
  dataOffset: number;
  size: number;
  /** True when a pax record gave the size: the header's size field must not be rewritten. */
  paxSize: boolean;
}

export interface RandomAccess {
  size: number;
  read(offset: number, length: number): Uint8Array;
}

export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  const magic = Buffer.from(block.subarray(257, 262)).toString("latin1");
  return magic === "ustar" && verifyChecksum(block);
}

function field(block: Uint8Array, offset: number, length: number): string {
  const raw = Buffer.from(block.subarray(offset, offset + length)).toString("latin1");
  const nul = raw.indexOf("\0");
  return nul < 0 ? raw : raw.slice(0, nul);
}

function octal(block: Uint8Array, offset: number, length: number, path: string, at: number): number {
  const text = field(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new VmConfigError("malformed-tar", `tar header at ${at}: bad octal field ${JSON.stringify(text)}`, { path, offset: at + offset });
  return text === "" ? 0 : parseInt(text, 8);
}

export function headerChecksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum;
}

function verifyChecksum(block: Uint8Array): boolean {
  const text = field(block, 148, 8).trim();
  return /^[0-7]+$/.test(text) && parseInt(text, 8) === headerChecksum(block);
}

/** Lists the members of a tar archive, checking every header. */
export function readTar(file: RandomAccess, path: string): TarMember[] {
  const members: TarMember[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  while (offset + BLOCK <= file.size) {
    const block = file.read(offset, BLOCK);
    if (block.every((byte) => byte === 0)) break; // end-of-archive marker
    if (!verifyChecksum(block)) throw new VmConfigError("malformed-tar", `tar header at ${offset}: checksum mismatch`, { path, offset });
    const size = octal(block, 124, 12, path, offset);
    const type = String.fromCharCode(block[156] ?? 0);
    const dataOffset = offset + BLOCK;
    if (dataOffset + size > file.size) throw new VmConfigError("malformed-tar", `tar member at ${offset} runs past the end of the file`, { path, offset });
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L" || type === "x") {
      if (size > 1 << 20) throw new VmConfigError("malformed-tar", `tar extended header at ${offset} is too large`, { path, offset });
      const data = Buffer.from(file.read(dataOffset, size)).toString("utf8");
      if (type === "L") longName = data.replace(/\0+$/, "");
      else pax = parsePax(data);
    } else if (type !== "g") {
      const prefix = field(block, 345, 155);
      const base = field(block, 0, 100);
      const name = pax?.get("path") ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      const paxSize = pax?.has("size") ?? false;
      const paxSizeText = pax?.get("size") ?? "";
      if (paxSize && (!/^\d{1,15}$/.test(paxSizeText) || dataOffset + Number(paxSizeText) > file.size)) {
        throw new VmConfigError("malformed-tar", `tar member at ${offset}: bad pax size ${JSON.stringify(paxSizeText)}`, { path, offset });
      }
      members.push({ name, headerOffset: offset, dataOffset, size: paxSize ? Number(pax?.get("size")) : size, paxSize });
      longName = undefined;
      pax = undefined;
      if (members.length > MAX_MEMBERS) throw new VmConfigError("malformed-tar", "too many tar members", { path, offset });
    }
    offset = paxSizeNext(members, type, next);
  }
  return members;
}

function paxSizeNext(members: TarMember[], type: string, next: number): number {
  const last = members[members.length - 1];
  if (type !== "L" && type !== "x" && type !== "g" && last && last.paxSize) return last.dataOffset + Math.ceil(last.size / BLOCK) * BLOCK;
  return next;
}

function parsePax(data: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const match of data.matchAll(/^\d+ ([^=\n]+)=(.*)$/gm)) map.set(match[1], match[2]);
  return map;
}

/**
 * `value` written into a numeric field laid out as `old` is: the run of octal digits keeps its
 * place and width (zero-padded), every byte around it (leading spaces, NUL or space terminators)
 * is kept, so writing a field's own value back gives its bytes back. Undefined when it does not fit.
 */
function octalInLayout(old: string, value: number): string | undefined {
  const match = /^( *)([0-7]*)/.exec(old);
  const lead = match?.[1].length ?? 0;
  const width = match?.[2].length ?? 0;
  const digits = value.toString(8);
  if (width === 0 || digits.length > width) return undefined;
  return old.slice(0, lead) + digits.padStart(width, "0") + old.slice(lead + width);
}

/** A copy of `header` with its size field set to `size` and checksum redone, each in the field's own layout. */
export function rewriteHeaderSize(header: Uint8Array, size: number, path: string): Uint8Array {
  const out = new Uint8Array(header);
  const sizeField = octalInLayout(Buffer.from(header.subarray(124, 136)).toString("latin1"), size);
  if (sizeField === undefined) throw new VmConfigError("tar-size", "the new OVF does not fit the tar size field", { path });
  out.set(Buffer.from(sizeField, "latin1"), 124);
  const sumField = octalInLayout(Buffer.from(header.subarray(148, 156)).toString("latin1"), headerChecksum(out));
  if (sumField === undefined) throw new VmConfigError("tar-checksum", "the new checksum does not fit the tar header's checksum field", { path });
  out.set(Buffer.from(sumField, "latin1"), 148);
  return out;
}
