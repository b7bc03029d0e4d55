/**
 * The journal beside the image (`IMAGE.p2vfix-journal`; a block device's in its --backup-dir): one small JSON file replaced
 * atomically at each state change, so `p2vfix undo` knows whether an apply was cut off
 * ("applying": roll back) and which undo file belongs to the last apply.
 */
import { existsSync } from "node:fs";
import type { z } from "zod";
import { lazySchema } from "../util/lazy-zod.js";
import { ImageError } from "../errors.js";
import { privateModeFor } from "../io/safe-file.js";
import { readJsonRecord } from "../util/json-record.js";
import { writeFileDurably } from "./durable.js";
import { sidecarPath } from "./sidecar-folder.js";

export const JournalState = ["applying", "done", "rolled-back", "undone"] as const;
export type JournalState = (typeof JournalState)[number];

const journalSchema = lazySchema((zod) =>
  zod.object({
    format: zod.literal("p2vfix-journal"),
    version: zod.literal(1),
    state: zod.enum(JournalState),
    undoFile: zod.string(),
    updatedAt: zod.string(),
    pid: zod.number().int(),
  }),
);
export type Journal = z.infer<ReturnType<typeof journalSchema>>;

/** A journal is a few hundred bytes of JSON. */
const MAX_JOURNAL = 64 * 1024;

/** `folder`: where a block device's files go (sidecar-folder.ts); ignored for an image file. */
export function journalPath(imagePath: string, folder?: string): string {
  return sidecarPath(imagePath, ".p2vfix-journal", folder);
}

export function writeJournal(imagePath: string, state: JournalState, undoFile: string, folder?: string): void {
  const journal: Journal = { format: "p2vfix-journal", version: 1, state, undoFile, updatedAt: new Date().toISOString(), pid: process.pid };
  writeFileDurably(journalPath(imagePath, folder), new TextEncoder().encode(`${JSON.stringify(journal, null, 2)}\n`), privateModeFor(imagePath));
}

/** The journal of `imagePath`, or undefined when p2vfix never wrote to it. */
export function readJournal(imagePath: string, folder?: string): Journal | undefined {
  const path = journalPath(imagePath, folder);
  if (!existsSync(path)) return undefined;
  // Someone who can write the folder can plant a link to a device or a huge file here: read only a small regular file.
  return readJsonRecord(path, { schema: journalSchema(), maxBytes: MAX_JOURNAL, what: "a p2vfix journal", refuse: (message, cause) => new ImageError("bad-journal", message, { path, cause }) });
}
