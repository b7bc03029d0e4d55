/**
 * How far the hive bins data reaches: the one rule the reader (Hive) and the checker
 * (checkHive, `reg check`) share, so that a hive one accepts the other reads the same way.
 *
 * regf spec (msuhanov/regf, "Base block", offset 40 "Hive bins data size", and "Dirty state of a
 * hive"): a sound base block declares the size, and "primary files may contain padding of an
 * arbitrary size after the end of the last hive bin" (a longer file is fine; a shorter one is
 * truncated). A base block with a wrong checksum is invalid (Windows recovers it from a log), so
 * none of its fields is trusted: the size is the extent of the consecutive valid bins (yarp's
 * EffectiveSizeHive, whose field says 4096 while its bins run to 487424).
 */
import { RegfError } from "../errors.js";
import { checksumOk, HBINS_START, type BaseBlock } from "./base-block.js";
import { HBIN_ALIGNMENT, walkHbins } from "./hbin.js";

export interface HiveBinsExtent {
  /** Length of the hive bins data: every cell lies below it. */
  size: number;
  /** "base-block" when the field at offset 40 was used, "hbin-walk" when the base block is unsound. */
  source: "base-block" | "hbin-walk";
  /** Set when the size was not the base block's. */
  warning?: string;
}

/** The hive bins data size of `bytes` (the whole file), or a typed error (truncated, bad-hbin). */
export function hiveBinsExtent(bytes: Uint8Array, base: BaseBlock, what = "hive"): HiveBinsExtent {
  const field = base.hiveBinsDataSize;
  if (checksumOk(base)) {
    if (field === 0 || field % HBIN_ALIGNMENT !== 0) {
      throw new RegfError("bad-hive-bins-size", `${what}: hive bins data size ${field} is not a positive multiple of 4096`, { offset: 40 });
    }
    if (HBINS_START + field > bytes.length) {
      throw new RegfError("truncated", `${what} is truncated: its base block says ${field} bytes of hive bins but only ${bytes.length - HBINS_START} follow`, {
        offset: bytes.length,
      });
    }
    const walked = walkHbins(bytes, field);
    if (walked !== field) {
      throw new RegfError("bad-hbin", `no valid hive bin at relative offset 0x${walked.toString(16)} (base block says the bins run to 0x${field.toString(16)})`, {
        offset: HBINS_START + walked,
      });
    }
    return { size: field, source: "base-block" };
  }
  const walked = walkHbins(bytes);
  if (walked === 0) {
    throw new RegfError("bad-hbin", `${what} has no valid hive bin after its base block`, { offset: HBINS_START });
  }
  return {
    size: walked,
    source: "hbin-walk",
    warning: `base block checksum is wrong: hive bins size taken from walking the bins (${walked} bytes, field says ${field})`,
  };
}
