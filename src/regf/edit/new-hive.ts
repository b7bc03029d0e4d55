/**
 * A new, empty hive: a base block (regf 1.5, clean, checksummed), one 4 KiB hive bin, and a
 * root key node with a security record (defaultSecurityDescriptor, or the one given).
 */
import { UsageError } from "../../errors.js";
import { BASE_BLOCK_SIZE, BaseBlockField, dateToFiletime, HBINS_START, REGF_SIGNATURE, writeBaseBlockChecksum } from "../base-block.js";
import { CELL_NONE } from "../cells/cell.js";
import { KeyFlags, NK, NK_FIXED_SIZE } from "../cells/nk.js";
import { HBIN, HBIN_ALIGNMENT, HBIN_HEADER_SIZE, HBIN_SIGNATURE } from "../hbin.js";
import { HiveEditor, MAX_KEY_NAME, type EditorOptions } from "./editor.js";
import { encodeName } from "./stored-names.js";
import { addSecurityRef, defaultSecurityDescriptor, findOrAddSecurity } from "./security.js";

export interface NewHiveOptions extends EditorOptions {
  /** Minor format version (3-6); default 5, what Windows XP to 11 write. */
  minorVersion?: number;
  /** Self-relative security descriptor of the root key. */
  rootSecurity?: Uint8Array;
  /** Root key flags besides HIVE_ENTRY/NO_DELETE/COMP_NAME. */
  rootFlags?: number;
  rootLastWritten?: bigint;
}

export function createHive(rootName: string, options: NewHiveOptions = {}): HiveEditor {
  if (rootName.length === 0 || rootName.length > MAX_KEY_NAME || rootName.includes("\\")) {
    throw new UsageError("bad-key-name", `invalid root key name ${JSON.stringify(rootName)}`);
  }
  const minor = options.minorVersion ?? 5;
  if (minor < 3 || minor > 6) throw new UsageError("unsupported-version", `regf 1.${minor} cannot be created (1.3 to 1.6)`);
  const now = dateToFiletime((options.now ?? (() => new Date()))());
  const bytes = new Uint8Array(BASE_BLOCK_SIZE + HBIN_ALIGNMENT);
  const view = new DataView(bytes.buffer);
  bytes.set(REGF_SIGNATURE, 0);
  view.setUint32(BaseBlockField.primarySequence, 1, true);
  view.setUint32(BaseBlockField.secondarySequence, 1, true);
  view.setBigUint64(BaseBlockField.lastWritten, now, true);
  view.setUint32(BaseBlockField.majorVersion, 1, true);
  view.setUint32(BaseBlockField.minorVersion, minor, true);
  view.setUint32(BaseBlockField.fileType, 0, true); // primary file
  view.setUint32(BaseBlockField.fileFormat, 1, true); // direct memory load format
  view.setUint32(BaseBlockField.hiveBinsDataSize, HBIN_ALIGNMENT, true);
  view.setUint32(BaseBlockField.clusteringFactor, 1, true);
  const hbin = HBINS_START;
  view.setUint32(hbin + HBIN.signature, HBIN_SIGNATURE, true);
  view.setUint32(hbin + HBIN.offset, 0, true);
  view.setUint32(hbin + HBIN.size, HBIN_ALIGNMENT, true);
  view.setBigUint64(hbin + HBIN.timestamp, now, true);
  // The whole bin is one free cell.
  view.setInt32(hbin + HBIN_HEADER_SIZE, HBIN_ALIGNMENT - HBIN_HEADER_SIZE, true);
  writeBaseBlockChecksum(bytes);

  const editor = new HiveEditor(bytes, HBIN_ALIGNMENT, minor, CELL_NONE, 0, options);
  const cells = editor.cells;
  const enc = encodeName(rootName);
  const sk = findOrAddSecurity(cells, undefined, options.rootSecurity ?? defaultSecurityDescriptor());
  const root = cells.alloc(NK_FIXED_SIZE + enc.bytes.length);
  const pos = cells.pos(root);
  cells.bytes[pos] = 0x6e;
  cells.bytes[pos + 1] = 0x6b;
  const flags = (options.rootFlags ?? 0) | KeyFlags.HIVE_ENTRY | KeyFlags.NO_DELETE | (enc.compressed ? KeyFlags.COMP_NAME : 0);
  cells.view.setUint16(pos + NK.flags, flags & ~(enc.compressed ? 0 : KeyFlags.COMP_NAME), true);
  cells.view.setBigUint64(pos + NK.lastWritten, options.rootLastWritten ?? now, true);
  cells.view.setUint32(pos + NK.parent, CELL_NONE, true);
  cells.view.setUint32(pos + NK.subkeyList, CELL_NONE, true);
  cells.view.setUint32(pos + NK.volatileSubkeyList, CELL_NONE, true);
  cells.view.setUint32(pos + NK.valueList, CELL_NONE, true);
  cells.view.setUint32(pos + NK.security, sk, true);
  cells.view.setUint32(pos + NK.className, CELL_NONE, true);
  cells.view.setUint16(pos + NK.nameLength, enc.bytes.length, true);
  cells.bytes.set(enc.bytes, pos + NK.name);
  addSecurityRef(cells, sk);
  editor.setRoot(root);
  return editor;
}
