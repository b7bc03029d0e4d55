/** Registry key paths: "\"-separated, relative to a key; empty parts are skipped. */

/** The descendant of `start` at `relPath` ("" is `start` itself), one `subkey` lookup per part. */
export function descendantAt<K extends { subkey(name: string): K | undefined }>(start: K, relPath: string): K | undefined {
  let key: K | undefined = start;
  for (const part of relPath.split("\\")) {
    if (part === "") continue;
    key = key.subkey(part);
    if (!key) return undefined;
  }
  return key;
}
