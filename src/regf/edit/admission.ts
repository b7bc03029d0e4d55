/**
 * What a hive must be before the editor touches it: recovered from its logs when dirty, with
 * a sound base block, and structurally sound (the editor trusts every reference it follows).
 * `editHive` admits a hive and returns an editor over it.
 */
import { RegfError } from "../../errors.js";
import { HBINS_START } from "../base-block.js";
import { checkHive, type CheckOptions } from "../check/check-hive.js";
import type { Hive } from "../hive.js";
import { HiveEditor, type EditorOptions } from "./editor.js";

export interface EditHiveOptions {
  /**
   * Check only the keys the edit will touch (see CheckOptions.only) instead of the whole hive
   * before editing. Default: the whole hive.
   */
  checkOnly?: CheckOptions["only"];
  /** Edit the hive's own bytes instead of a copy (the Hive must not be read afterwards). */
  adopt?: boolean;
}

/**
 * An editor over a copy of an opened hive (already recovered from its logs by openHive). A
 * hive that is dirty and was not recovered is refused: writing it would make the changes that
 * only exist in its logs permanently lost. So is one that fails the structural check.
 */
export function editHive(hive: Hive, options: EditorOptions = {}, open: EditHiveOptions = {}): HiveEditor {
  const recovery = hive.recovery;
  if (recovery?.dirty && !recovery.recovered) {
    throw new RegfError("unrecoverable-dirty-hive", `the hive is dirty (${recovery.dirtyReasons.join("; ")}) and its logs could not recover it: refusing to edit`, {
      path: hive.source,
    });
  }
  if (hive.dataSizeSource !== "base-block") {
    throw new RegfError("unsound-base-block", `the hive's base block is unsound (${hive.warnings.join("; ")}): refusing to edit`, { path: hive.source });
  }
  // Only a structurally sound hive is edited: the editor trusts every reference it follows.
  const check = checkHive(hive.bytes.subarray(0, HBINS_START + hive.dataSize), open.checkOnly ? { only: open.checkOnly } : {});
  const fatal = check.errors.filter((error) => error.code !== "dirty");
  if (fatal.length > 0) {
    const first = fatal[0];
    throw new RegfError("unsound-hive", `the hive has ${fatal.length} structural errors, refusing to edit it (first: ${first.code}: ${first.message})`, {
      path: hive.source,
      ...(first.offset === undefined ? {} : { offset: first.offset }),
    });
  }
  const base = hive.baseBlock;
  let bytes = hive.bytes.subarray(0, HBINS_START + hive.dataSize);
  if (!open.adopt) bytes = bytes.slice();
  const sequence = Math.max(base.primarySequence, base.secondarySequence, recovery?.lastAppliedSequence ?? 0);
  return new HiveEditor(bytes, hive.dataSize, base.minorVersion, base.rootCellOffset, sequence, options);
}
