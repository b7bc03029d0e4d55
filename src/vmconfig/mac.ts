/** MAC addresses in the many spellings hypervisors use, normalised to "00:15:5d:01:02:03". */

/**
 * Accepts "00:50:56:AB:CD:EF", "00-50-56-ab-cd-ef", "005056ABCDEF" (VirtualBox, Hyper-V) and
 * "0050.56ab.cdef". Returns undefined for anything that is not 6 bytes of hex.
 */
export function normaliseMac(value: string): string | undefined {
  const hex = value.trim().replace(/[:\-.]/g, "");
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  return hex.toLowerCase().replace(/(..)(?!$)/g, "$1:");
}

/** True for Hyper-V's "not yet assigned" dynamic MAC. */
export function isZeroMac(mac: string): boolean {
  return mac === "00:00:00:00:00:00";
}
