/** Whether two byte arrays hold the same bytes: one memcmp (Buffer.equals), not a loop per byte. */
export function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(Buffer.from(right.buffer, right.byteOffset, right.byteLength));
}
