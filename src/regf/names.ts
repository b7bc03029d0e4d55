/**
 * Registry names compare as Windows compares them (src/util/windows-names.ts); the `lh` hash
 * is the registry's own use of that upper-casing.
 */
import { upcaseUnit } from "../util/windows-names.js";

export { compareNames, namesEqual, upcaseName, upcaseUnit } from "../util/windows-names.js";

/** The `lh` list hint: hash = hash * 37 + upcase(unit) over the name, 32-bit. */
export function lhHash(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 37) + upcaseUnit(name.charCodeAt(i))) >>> 0;
  return hash;
}
