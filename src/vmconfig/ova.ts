/**
 * OVA: a tar archive whose first member is the OVF descriptor, usually followed by a .mf
 * manifest of "SHA1(name)= hex" / "SHA256(name)= hex" lines, then the disks. Saving rewrites
 * the OVF member (new size in its header) and its manifest digest; every other member, header
 * and the archive's tail are copied byte for byte. A signed OVA (.cert) is refused: the
 * signature covers the manifest and cannot be renewed here.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { RefusedError, VmConfigError } from "../errors.js";
import { replaceFileAtomically } from "./file-store.js";
import { OvfConfig } from "./ovf.js";
import { BLOCK, readTar, rewriteHeaderSize, type RandomAccess, type TarMember } from "./tar.js";
import { bytesToText, textToBytes } from "./text.js";
import type { SaveOptions } from "./types.js";

const MAX_DESCRIPTOR = 64 << 20;
const COPY_CHUNK = 1 << 20;

function openRandomAccess(path: string): RandomAccess & { close(): void } {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const bytesRead = readSync(fd, buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new VmConfigError("short-read", `unexpected end of ${path}`, { path, offset: offset + done });
        done += bytesRead;
      }
      return buf;
    },
    close: () => closeSync(fd),
  };
}

const MANIFEST_LINE = /^(SHA1|SHA256|SHA512)\((.+)\)[ \t]*=[ \t]*([0-9a-fA-F]+)[ \t]*$/;

export class OvaConfig extends OvfConfig {
  override readonly format = "ova" as const;
  private readonly members: TarMember[];
  private readonly ovfMember: TarMember;
  private readonly manifest?: TarMember;

  private constructor(path: string, ovfText: string, members: TarMember[], ovfMember: TarMember, manifest: TarMember | undefined) {
    super(path, ovfText);
    this.members = members;
    this.ovfMember = ovfMember;
    if (manifest) this.manifest = manifest;
  }

  static open(path: string): OvaConfig {
    const file = openRandomAccess(path);
    try {
      const members = readTar(file, path);
      const ovf = members.find((member) => member.name.toLowerCase().endsWith(".ovf"));
      if (!ovf) throw new VmConfigError("no-ovf", "the OVA archive has no .ovf member", { path });
      if (ovf.size > MAX_DESCRIPTOR) throw new VmConfigError("ovf-too-large", `the .ovf member is ${ovf.size} bytes`, { path, offset: ovf.dataOffset });
      const manifest = members.find((member) => member.name.toLowerCase().endsWith(".mf"));
      return new OvaConfig(path, bytesToText(file.read(ovf.dataOffset, ovf.size)), members, ovf, manifest);
    } finally {
      file.close();
    }
  }

  /** Member names in archive order. */
  memberNames(): string[] {
    return this.members.map((member) => member.name);
  }

  override save(options: SaveOptions = {}): void {
    if (this.members.some((member) => member.name.toLowerCase().endsWith(".cert"))) {
      throw new RefusedError("signed-ova", "the OVA is signed (.cert): changing it would break the signature; extract it and edit the .ovf instead", { path: this.path });
    }
    if (this.ovfMember.paxSize) throw new RefusedError("pax-size", "the .ovf member's size is in a pax header: not supported", { path: this.path });
    const ovfBytes = this.bytes();
    const file = openRandomAccess(this.path);
    try {
      const header = rewriteHeaderSize(file.read(this.ovfMember.headerOffset, BLOCK), ovfBytes.length, this.path);
      const oldEnd = this.ovfMember.dataOffset + Math.ceil(this.ovfMember.size / BLOCK) * BLOCK;
      this.checkPaddingIsZero(file);
      const padding = new Uint8Array((BLOCK - (ovfBytes.length % BLOCK)) % BLOCK);
      let manifestBytes: Uint8Array | undefined;
      if (this.manifest) manifestBytes = this.renewManifest(file.read(this.manifest.dataOffset, this.manifest.size), file.read(this.ovfMember.dataOffset, this.ovfMember.size), ovfBytes);
      const copy = (out: { write(bytes: Uint8Array): void }, from: number, to: number): void => {
        for (let at = from; at < to; at += COPY_CHUNK) out.write(file.read(at, Math.min(COPY_CHUNK, to - at)));
      };
      replaceFileAtomically(
        this.path,
        (out) => {
          const tarMember = this.manifest;
          const pieces: Array<[number, number, Uint8Array[]]> = [[this.ovfMember.headerOffset, oldEnd, [header, ovfBytes, padding]]];
          if (tarMember && manifestBytes) pieces.push([tarMember.dataOffset, tarMember.dataOffset + tarMember.size, [manifestBytes]]);
          pieces.sort((a, b) => a[0] - b[0]);
          let at = 0;
          for (const [start, end, replacement] of pieces) {
            copy(out, at, start);
            for (const bytes of replacement) out.write(bytes);
            at = end;
          }
          copy(out, at, file.size);
        },
        options.backup ?? true,
      );
    } finally {
      file.close();
    }
    super.markSaved();
  }

  /**
   * The rewrite pads the new descriptor with zeroes, as tar does; the old padding is not kept
   * (its length changes with the descriptor's), so it must be zeroes and complete for the
   * rewrite to give the original bytes back when the edit is undone: anything else is refused.
   */
  private checkPaddingIsZero(file: RandomAccess): void {
    const from = this.ovfMember.dataOffset + this.ovfMember.size;
    const to = this.ovfMember.dataOffset + Math.ceil(this.ovfMember.size / BLOCK) * BLOCK;
    if (to > file.size) {
      throw new VmConfigError("tar-truncated", `the archive ends inside the padding of ${this.ovfMember.name}: rewriting it would change bytes it does not edit`, { path: this.path, offset: file.size });
    }
    const padding = file.read(from, to - from);
    const at = padding.findIndex((byte) => byte !== 0);
    if (at >= 0) {
      throw new VmConfigError("tar-padding", `the tar padding after ${this.ovfMember.name} holds non-zero bytes (offset ${from + at}): rewriting it would lose them`, { path: this.path, offset: from + at });
    }
  }

  /** The manifest with the OVF's digest replaced; same algorithm, so the same length. */
  private renewManifest(manifest: Uint8Array, oldOvfBytes: Uint8Array, ovfBytes: Uint8Array): Uint8Array {
    const text = bytesToText(manifest);
    const ovfName = this.ovfMember.name.split("/").pop() ?? this.ovfMember.name;
    let found = false;
    const out = text.replace(/[^\r\n]+/g, (line) => {
      const match = MANIFEST_LINE.exec(line);
      if (!match || match[2] !== ovfName) return line;
      found = true;
      const upper = match[3] === match[3].toUpperCase() && /[A-F]/.test(match[3]);
      const digestOf = (bytes: Uint8Array) => {
        const hex = createHash(match[1].toLowerCase()).update(bytes).digest("hex");
        return upper ? hex.toUpperCase() : hex;
      };
      // A digest that is not the descriptor's own (stale, damaged, mixed case) could not be given back by undoing the edit.
      if (digestOf(oldOvfBytes) !== match[3]) {
        throw new VmConfigError("manifest-mismatch", `the manifest ${this.manifest?.name ?? ""} does not hold the digest of ${ovfName} as it is: the archive is damaged`, { path: this.path });
      }
      const cased = digestOf(ovfBytes);
      const at = line.lastIndexOf(match[3]);
      return line.slice(0, at) + cased + line.slice(at + match[3].length);
    });
    if (!found) throw new VmConfigError("manifest-no-ovf", `the manifest ${this.manifest?.name ?? ""} has no digest line for ${ovfName}`, { path: this.path });
    return textToBytes(out);
  }
}
