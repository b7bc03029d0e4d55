/**
 * A registry hive held in memory: the base block plus lazy views over the cells. Opening
 * reads the base block and the root key only; keys and values are decoded when visited.
 */
import { RegfError } from "../errors.js";
import { BASE_BLOCK_SIZE, checksumOk, FileType, HBINS_START, parseBaseBlock, type BaseBlock } from "./base-block.js";
import { CellSpace } from "./cells/cell.js";
import { HBIN_ALIGNMENT, HBIN_HEADER_SIZE, readHbinHeader } from "./hbin.js";
import { hiveBinsExtent, type HiveBinsExtent } from "./hive-bins-extent.js";
import { RegKey } from "./key.js";
import type { RecoveryResult } from "./log/types.js";
import type { OnDemandBytes } from "./on-demand-bytes.js";
import { checkedValues, walkKeys } from "./walk.js";

export interface HiveOptions {
  /** The recovery that produced `bytes` (openHive sets it). */
  recovery?: RecoveryResult;
  /** Where the bytes came from, for messages. */
  source?: string;
  /** The bytes are read from their file as cells are visited (`bytes` must be its buffer). */
  onDemand?: OnDemandBytes;
}

export interface HiveStats {
  keys: number;
  values: number;
  /** Deepest nesting below the root (root = 0). */
  maxDepth: number;
  /** Bytes of value data (as stored sizes). */
  valueDataBytes: number;
  bigDataValues: number;
  /** Anomalies found on the way (unsorted subkey lists). */
  warnings: string[];
}

export class Hive {
  readonly baseBlock: BaseBlock;
  readonly recovery: RecoveryResult | undefined;
  readonly source: string | undefined;
  /** Length of the hive bins data actually used (see dataSizeSource). */
  readonly dataSize: number;
  /** "base-block" when its hive bins data size field was used, "hbin-walk" when it was wrong. */
  readonly dataSizeSource: "base-block" | "hbin-walk";
  /** Anomalies that did not stop the open. */
  readonly warnings: string[] = [];
  private readonly space: CellSpace;
  private readonly data: Uint8Array;
  private readonly onDemand: OnDemandBytes | undefined;

  constructor(bytes: Uint8Array, options: HiveOptions = {}) {
    this.data = bytes;
    this.onDemand = options.onDemand;
    this.recovery = options.recovery;
    this.source = options.source;
    const what = options.source ?? "hive";
    if (bytes.length < BASE_BLOCK_SIZE) {
      throw new RegfError("truncated", `${what} is ${bytes.length} bytes: shorter than a regf base block`, { offset: 0, path: options.source });
    }
    this.baseBlock = parseBaseBlock(bytes, what);
    const base = this.baseBlock;
    if (base.fileType !== FileType.primary) {
      throw new RegfError("not-a-primary", `${what} is a transaction log (file type ${base.fileType}), not a primary hive`, { offset: 28 });
    }
    if (base.majorVersion !== 1 || base.minorVersion < 2 || base.minorVersion > 6) {
      throw new RegfError("unsupported-version", `regf format ${base.majorVersion}.${base.minorVersion} is not supported`, { offset: 20 });
    }
    const resolved = this.onDemand ? resolveDataSizeOnDemand(this.onDemand, base, what) : hiveBinsExtent(bytes, base, what);
    this.dataSize = resolved.size;
    this.dataSizeSource = resolved.source;
    if (resolved.warning) this.warnings.push(resolved.warning);
    this.space = new CellSpace(bytes, this.dataSize, base.minorVersion, this.onDemand);
    // Fail now, not on first use, when the root is not a key node.
    this.root();
  }

  /** The whole hive file as read (for a hive read on demand, reading what was not read yet). */
  get bytes(): Uint8Array {
    return this.onDemand ? this.onDemand.all() : this.data;
  }

  /** Releases the file of a hive read on demand (nothing to do for one held in memory). */
  close(): void {
    this.onDemand?.close();
  }

  root(): RegKey {
    return RegKey.at(this.space, this.baseBlock.rootCellOffset, undefined);
  }

  /** "\"-separated path relative to the root, case-insensitive; "" is the root. */
  key(path: string): RegKey | undefined {
    return this.root().key(path);
  }

  /** Walks the whole tree (bounded, cycle-checked) and counts keys and values. */
  stats(): HiveStats {
    const hiveStats: HiveStats = { keys: 0, values: 0, maxDepth: 0, valueDataBytes: 0, bigDataValues: 0, warnings: [] };
    const seenValues = new Set<number>();
    walkKeys(this.root(), (key, depth) => {
      hiveStats.keys++;
      if (depth > hiveStats.maxDepth) hiveStats.maxDepth = depth;
      for (const checkedValue of checkedValues(key, seenValues)) {
        hiveStats.values++;
        hiveStats.valueDataBytes += checkedValue.dataSize;
        if (checkedValue.dataSize > 16344 && this.baseBlock.minorVersion >= 4 && !checkedValue.inline) hiveStats.bigDataValues++;
      }
    }, { onWarning: (message) => void hiveStats.warnings.push(message) });
    return hiveStats;
  }
}

/**
 * The hive bins data size of a hive read on demand. A sound base block is trusted without
 * walking every bin (that would read the whole file); the first bin must be valid. Otherwise the
 * whole file is read and sized by hiveBinsExtent (the rule the checker shares).
 */
function resolveDataSizeOnDemand(
  onDemand: OnDemandBytes,
  base: BaseBlock,
  what: string,
): HiveBinsExtent {
  const field = base.hiveBinsDataSize;
  const bytes = onDemand.bytes;
  if (checksumOk(base) && field > 0 && field % HBIN_ALIGNMENT === 0 && HBINS_START + field <= bytes.length) {
    onDemand.ensure(HBINS_START, HBIN_HEADER_SIZE);
    const first = readHbinHeader(bytes, 0);
    if (!first || first.size > field) {
      throw new RegfError("bad-hbin", `no valid hive bin at relative offset 0x0 (base block says the bins run to 0x${field.toString(16)})`, { offset: HBINS_START });
    }
    return { size: field, source: "base-block" };
  }
  return hiveBinsExtent(onDemand.all(), base, what);
}
