/**
 * Transaction logs live beside their primary as NAME.LOG, NAME.LOG1, NAME.LOG2, in any case
 * (Windows writes "ntuser.dat.LOG1" next to "NTUSER.DAT").
 */
const LOG_SUFFIX = /^\.log[12]?$/i;

/** Names among `siblings` that are logs of the primary `primaryName`, sorted (.LOG, .LOG1, .LOG2). */
export function findLogNames(primaryName: string, siblings: readonly string[]): string[] {
  const lower = primaryName.toLowerCase();
  return siblings
    .filter((sibling) => sibling.length > primaryName.length && sibling.toLowerCase().startsWith(lower) && LOG_SUFFIX.test(sibling.slice(primaryName.length)))
    .sort((a, b) => a.slice(primaryName.length).toLowerCase().localeCompare(b.slice(primaryName.length).toLowerCase()));
}
