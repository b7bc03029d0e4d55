/**
 * GUIDs on disk (GPT, and everywhere Microsoft stores them) are "mixed-endian": the first
 * three groups little-endian, the last two as bytes. Formatted upper case like sfdisk.
 */
export function formatGuid(bytes: Uint8Array, offset = 0): string {
  const hex = (index: number) => bytes[offset + index].toString(16).padStart(2, "0");
  const group = (indices: number[]) => indices.map(hex).join("");
  return [
    group([3, 2, 1, 0]),
    group([5, 4]),
    group([7, 6]),
    group([8, 9]),
    group([10, 11, 12, 13, 14, 15]),
  ]
    .join("-")
    .toUpperCase();
}

export function isZeroGuid(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}
