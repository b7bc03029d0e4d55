/** Option parsers shared by several commands. */
import { UsageError } from "../errors.js";

/** `--partition N`: a partition number as `disk info` lists them (0 for a bare volume). */
export function parsePartition(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) throw new UsageError("bad-partition", `--partition needs a partition number, not ${JSON.stringify(value)}`);
  return n;
}
