/** Option parsers shared by several commands. */
import { UsageError } from "../errors.js";
import { normaliseMac } from "../vmconfig/mac.js";

/** `--partition N`: a partition number as `disk info` lists them (0 for a bare volume). */
export function parsePartition(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isInteger(parsed) || parsed < 0) throw new UsageError("bad-partition", `--partition needs a partition number, not ${JSON.stringify(value)}`);
  return parsed;
}

/** `--mac MAC`: six bytes of hex in any usual spelling, or a usage error (exit 2), never silently dropped. */
export function parseMacOption(value: string): string {
  const mac = normaliseMac(value);
  if (mac === undefined) {
    throw new UsageError("bad-mac", `--mac ${JSON.stringify(value)} is not a MAC address: give six bytes of hex, e.g. 00:15:5d:01:02:03, 00-15-5D-01-02-03 or 00155d010203`);
  }
  return mac;
}
