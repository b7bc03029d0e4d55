/**
 * Before a file's clusters are overwritten in place: its runs must be marked in use in $Bitmap
 * and must not overlap the clusters of the volume's own metadata
 * (the system files, MFT records 0-15: $MFT, $MFTMirr, $LogFile, the root index, $Bitmap,
 * $Boot, $UpCase, $Secure, $Extend...) or of the directories on the file's path, whose indexes
 * the write reads and updates. A damaged runlist would otherwise send the new bytes over them:
 * fuzzing found a single changed byte that pointed a file at the root directory's index.
 *
 * Clusters of other user files cannot be told apart without reading every MFT record; a hive
 * write rests there on its caller, which parsed and checked a whole hive read from these very
 * clusters before writing.
 */
import { RefusedError } from "../../../errors.js";
import { AttributeType, type NonResidentAttribute } from "../attribute.js";
import { decodeRunlist, type DataRun } from "../runlist.js";
import type { ReadableNtfsVolume } from "../readable-volume.js";

const BITMAP_RECORD = 6;
const FIRST_USER_RECORD = 16;
const ROOT_RECORD = 5;
/** Deeper than any real path; a parent chain that does not end is damage. */
const MAX_DEPTH = 256;

interface OwnedRun {
  lcn: number;
  length: number;
  owner: string;
}

function refuse(path: string, why: string): never {
  throw new RefusedError("cross-linked", `${path}: ${why}: the volume looks damaged (run chkdsk on Windows first); nothing was written`, { path });
}

/** The allocated runs of every non-resident attribute of record `n`. */
function runsOf(vol: ReadableNtfsVolume, recordNumber: number, owner: string): OwnedRun[] {
  const out: OwnedRun[] = [];
  for (const attribute of vol.attributes(recordNumber)) {
    if (attribute.resident) continue;
    const attr = attribute as NonResidentAttribute;
    for (const run of decodeRunlist(attr.mappingPairs, attr.lowestVcn)) {
      if (run.lcn !== null && run.length > 0) out.push({ lcn: run.lcn, length: run.length, owner });
    }
  }
  return out;
}

/** The directories from the file's parents up to the root. */
function ancestors(vol: ReadableNtfsVolume, file: number): number[] {
  const seen = new Set<number>();
  let level = vol.fileNames(file).map((fileName) => fileName.parent.record);
  for (let depth = 0; level.length > 0 && depth < MAX_DEPTH; depth++) {
    const next: number[] = [];
    for (const dir of level) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      if (dir !== ROOT_RECORD) next.push(...vol.fileNames(dir).map((fileName) => fileName.parent.record));
    }
    level = next;
  }
  return [...seen];
}

function overlaps(left: { lcn: number; length: number }, right: { lcn: number; length: number }): boolean {
  return left.lcn < right.lcn + right.length && right.lcn < left.lcn + left.length;
}

/** Refuses (RefusedError "cross-linked") when `runs` of file record `file` cannot be its own. */
export function checkClustersOwned(vol: ReadableNtfsVolume, path: string, file: number, runs: readonly DataRun[]): void {
  // (That the runs lie inside the volume and do not overlap one another, the stream's reader
  // has checked: runlist.ts checkRuns.)
  const own = runs.filter((run): run is DataRun & { lcn: number } => run.lcn !== null && run.length > 0);

  const protectedRuns: OwnedRun[] = [];
  for (let n = 0; n < FIRST_USER_RECORD; n++) {
    if (n === file || !vol.record(n).inUse) continue;
    protectedRuns.push(...runsOf(vol, n, `system file record ${n}`));
  }
  for (const dir of ancestors(vol, file)) {
    if (dir >= FIRST_USER_RECORD && dir !== file) protectedRuns.push(...runsOf(vol, dir, `directory record ${dir}`));
  }
  for (const run of own) {
    const hit = protectedRuns.find((protectedRun) => overlaps(run, protectedRun));
    if (hit) refuse(path, `its clusters ${run.lcn}-${run.lcn + run.length - 1} overlap those of ${hit.owner}`);
  }

  const bitmap = vol.stream(BITMAP_RECORD, AttributeType.data, "");
  for (const run of own) {
    const firstByte = run.lcn >> 3;
    const bits = bitmap.read(firstByte, ((run.lcn + run.length - 1) >> 3) - firstByte + 1);
    for (let lcn = run.lcn; lcn < run.lcn + run.length; lcn++) {
      if ((bits[(lcn >> 3) - firstByte] & (1 << (lcn & 7))) === 0) refuse(path, `its cluster ${lcn} is marked free in $Bitmap`);
    }
  }
}
