/**
 * The descriptor's content ID. A writer gives it a new random value the first time it changes
 * the disk: snapshot children record it as their parentCID, which is how VMware notices a
 * modified parent (qemu's vmdk_write_cid does the same). The value is hex; qemu writes it
 * unpadded ("CID=%" PRIx32), so one disk in sixteen has fewer than 8 digits. The new value has
 * as many digits as the old one, so it is replaced in place without moving any other byte.
 */

/** The byte offset and new bytes of the CID value in `descriptor`, or undefined when it has no CID line. */
export function newCidPatch(descriptor: Uint8Array): { offset: number; bytes: Uint8Array } | undefined {
  const text = Buffer.from(descriptor).toString("latin1");
  const match = /^(CID\s*=\s*)([0-9a-fA-F]{1,8})\s*$/m.exec(text);
  if (!match) return undefined;
  const old = match[2].toLowerCase();
  const digits = old.length;
  let cid: string;
  do {
    cid = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex").slice(0, digits);
    // ffffffff means "no parent" in parentCID and fffffffe is a marker some tools use: avoid both.
  } while (cid === old || cid === "ffffffff" || cid === "fffffffe");
  return { offset: match.index + match[1].length, bytes: new TextEncoder().encode(cid) };
}
