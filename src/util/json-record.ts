/**
 * A small JSON record p2vfix wrote beside an image (the apply journal, the VM link record, a
 * wave's image record), read as if someone who can write that folder replaced it: only a
 * regular file (lstat: a link is refused, never followed), at most `maxBytes`, valid JSON, and
 * of the record's schema. Anything else is the caller's typed error, nothing is trusted.
 */
import { lstatSync, readFileSync } from "node:fs";
import type { z } from "zod";
import type { P2vfixError } from "../errors.js";

export interface JsonRecordOptions<Schema extends z.ZodType> {
  schema: Schema;
  maxBytes: number;
  /** What the record is, for messages: "a p2vfix journal". */
  what: string;
  /** The caller's error for a file that is not such a record. */
  refuse: (message: string, cause?: unknown) => P2vfixError;
}

export function readJsonRecord<Schema extends z.ZodType>(path: string, options: JsonRecordOptions<Schema>): z.infer<Schema> {
  const st = lstatSync(path);
  if (!st.isFile() || st.size > options.maxBytes) {
    throw options.refuse(`${path} is not ${options.what} (${st.isFile() ? `${st.size} bytes` : "not a regular file"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw options.refuse(`${path} is not valid JSON: ${(err as Error).message}`, err);
  }
  const parsed = options.schema.safeParse(json);
  if (!parsed.success) throw options.refuse(`${path} is not ${options.what}: ${parsed.error.issues[0]?.message ?? "unexpected content"}`);
  return parsed.data;
}
