/**
 * Windows compares names by upper-casing each UTF-16 unit on its own (one unit in, one out);
 * JavaScript's toUpperCase can change the length ("ß" → "SS"), which Windows never does.
 */
export function upcaseName(name: string): string {
  let out = "";
  for (const unit of name) {
    const upper = unit.toUpperCase();
    out += upper.length === unit.length ? upper : unit;
  }
  return out;
}
