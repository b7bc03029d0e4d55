/**
 * Writing registry hives that live inside a disk image (`IMAGE:SYSTEM`, `IMAGE:path/to/hive`):
 * each hive is read (recovered from its logs; a dirty hive that cannot be recovered is
 * refused), edited by the caller, structurally checked, rewritten in NTFS through the
 * transaction's overlay, and verified by reading it back through a freshly opened stack.
 */
import { NotFoundError, RefusedError, UsageError, VerifyError } from "../errors.js";
import type { NtfsVolume } from "../fs/ntfs/volume.js";
import { readHiveWithLogs, resolveInnerPath } from "../image/hive-source.js";
import type { OpenedTarget } from "../image/open-target.js";
import { volumeOn, type Volume } from "../image/volume.js";
import { readPartitionTable } from "../partition/index.js";
import { checkHive, Hive, type RecoveryResult } from "../regf/internal.js";
import { parseTargetSpec } from "../image/target-spec.js";
import type { DiskImage } from "../vdisk/index.js";
import { preflightFile, preflightHiveRecovery, preflightVolume, RefusalCode } from "./preflight.js";
import { runTransaction, type TransactionOptions, type TransactionReport } from "./transaction.js";
import { sha256 } from "./undo-file.js";
import { sameBytes } from "../util/same-bytes.js";

export interface HiveEditContext {
  /** The hive as Windows would load it (recovered from its logs when it was dirty). */
  hive: Hive;
  /** "disk.vhdx:partition 2:Windows/System32/config/SYSTEM". */
  source: string;
  recovery: RecoveryResult;
}

/** Returns the complete new hive file. */
export type HiveEdit = (context: HiveEditContext) => Uint8Array;

/** Replaces the content of an existing file on an NTFS volume opened over a writable device. */
export type FileRewriter = (fs: NtfsVolume, path: string, data: Uint8Array) => void;

/** NtfsVolume.rewriteFile where the NTFS layer offers it; otherwise writing is refused. */
export const ntfsRewriter: FileRewriter = (fs, path, data) => {
  const rewrite = (fs as unknown as { rewriteFile?: (path: string, data: Uint8Array) => void }).rewriteFile;
  if (typeof rewrite !== "function") {
    throw new RefusedError("ntfs-write-unavailable", `writing files inside NTFS is not available in this build; nothing was written to ${path}`);
  }
  rewrite.call(fs, path, data);
};

export interface HiveTarget {
  /** Short name (SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT) or a path on a volume. */
  inner: string;
  edits: HiveEdit[];
}

export interface WriteHivesOptions extends TransactionOptions {
  /** Partition number when several Windows installations or volumes qualify. */
  partition?: number;
  /** Read the transaction logs beside each hive (default true; a dirty hive without logs is refused). */
  useLogs?: boolean;
  /** How files are rewritten inside NTFS (default ntfsRewriter). */
  rewriter?: FileRewriter;
}

export interface WrittenHive {
  source: string;
  volume: number;
  path: string;
  sizeBefore: number;
  sizeAfter: number;
  sha256Before: string;
  sha256After: string;
  /** The hive was dirty and was recovered from its logs before the edit. */
  recovered: boolean;
}

/** The volumes of an opened image, as openTarget lists them. */
export function targetOf(image: DiskImage, path: string): OpenedTarget {
  const table = readPartitionTable(image.device);
  const volumes =
    table.scheme === "none" ? [volumeOn(image.device, 0)] : table.partitions.filter((partition) => !/extended/i.test(partition.typeName)).map((partition) => volumeOn(partition.device, partition.index, partition));
  return { kind: "image", path, image, table, volumes, close: () => image.close() };
}

/** resolveInnerPath, but a hive missing because its volume is BitLocker-encrypted is a refusal, not "not found". */
function resolveOrRefuse(target: OpenedTarget, inner: string, partition: number | undefined): { volume: Volume; path: string } {
  try {
    return resolveInnerPath(target, inner, partition);
  } catch (err) {
    const locked = target.volumes.filter((volume) => volume.kind === "bitlocker" && (partition === undefined || volume.index === partition));
    if (err instanceof NotFoundError && locked.length > 0) {
      throw new RefusedError(RefusalCode.bitlocker, `${target.path}: ${locked.map((volume) => volume.name).join(", ")} ${locked.length > 1 ? "are" : "is"} BitLocker-encrypted, so ${inner} cannot be reached; decrypt it on the source machine (manage-bde -off C:) before converting, or give p2vfix an unlocked export`, { cause: err });
    }
    throw err;
  }
}

/** Edits one or more hives of one image in a single transaction. */
export function writeHiveTargets(imagePath: string, targets: HiveTarget[], options: WriteHivesOptions = {}): TransactionReport<WrittenHive[]> {
  const rewriter = options.rewriter ?? ntfsRewriter;
  const useLogs = options.useLogs ?? true;
  return runTransaction(
    imagePath,
    (image) => {
      const target = targetOf(image, imagePath);
      const written: (WrittenHive & { bytes: Uint8Array })[] = [];
      for (const hiveTarget of targets) {
        const { volume, path } = resolveOrRefuse(target, hiveTarget.inner, options.partition);
        const where = `${imagePath}:${volume.index ? `partition ${volume.index}:` : ""}${path}`;
        const fs = preflightVolume(volume, where);
        preflightFile(fs, path, where);
        const { bytes, logs } = readHiveWithLogs(fs, path, useLogs);
        const recovery = preflightHiveRecovery(bytes, logs, where);
        let current = recovery.bytes;
        for (const edit of hiveTarget.edits) {
          current = edit({ hive: new Hive(current, { recovery, source: where }), source: where, recovery });
        }
        const check = checkHive(current);
        if (!check.ok) {
          const first = check.errors[0];
          throw new VerifyError("hive-check-failed", `${where}: the edited hive fails the structural check (${first?.code}: ${first?.message}); nothing was written`, { path: where });
        }
        rewriter(fs, path, current);
        written.push({
          source: where,
          volume: volume.index,
          path,
          sizeBefore: bytes.length,
          sizeAfter: current.length,
          sha256Before: sha256(bytes),
          sha256After: sha256(current),
          recovered: recovery.recovered,
          bytes: current,
        });
      }
      return {
        changes: written.map((hive) => hive.source),
        verify: (fresh) => {
          const again = targetOf(fresh, imagePath);
          for (const hive of written) {
            const volume = again.volumes.find((candidate) => candidate.index === hive.volume);
            if (!volume) throw new VerifyError("verify-failed", `${hive.source}: the volume is gone after the write`);
            const bytes = volume.fs().readFile(hive.path);
            if (!sameBytes(bytes, hive.bytes)) throw new VerifyError("verify-failed", `${hive.source}: reading the hive back through the image gives different bytes than were written; nothing was written`);
            const check = checkHive(bytes);
            if (!check.ok) throw new VerifyError("verify-failed", `${hive.source}: the hive read back fails the structural check (${check.errors[0]?.message}); nothing was written`);
          }
        },
        result: written.map(({ bytes: _bytes, ...rest }) => rest),
      };
    },
    options,
  );
}

/** `IMAGE:HIVE` (as the reg commands take it): applies `edits` in order to that hive. */
export function writeHivesInImage(spec: string, edits: HiveEdit | HiveEdit[], options: WriteHivesOptions = {}): TransactionReport<WrittenHive[]> {
  const { container, inner } = parseTargetSpec(spec);
  if (inner === undefined || inner === "") {
    throw new UsageError("hive-path-needed", `${spec}: name the hive inside the image, e.g. ${container}:SYSTEM (or :SOFTWARE, :SAM, :SECURITY, :DEFAULT, or :path/inside)`);
  }
  if (inner.toUpperCase() === "BCD") {
    throw new RefusedError("bcd-write-unsupported", `${spec}: writing the BCD store is not supported yet (on UEFI disks it lives on the FAT EFI partition, which p2vfix does not write); use bcdedit /store in Windows`);
  }
  return writeHiveTargets(container, [{ inner, edits: Array.isArray(edits) ? edits : [edits] }], options);
}
