/**
 * Copying a hive's whole tree into a new hive: what `reg compact` does. The copy is dense
 * (no free space but the tail of the last bin, no leaked cells) and keeps what the tree holds:
 * names, key flags and access bits, the virtualization/user flag bits, class names,
 * timestamps, security descriptors (shared as in the original), value types and exact bytes.
 */
import { HBINS_START } from "../base-block.js";
import { NK } from "../cells/nk.js";
import { CELL_SIZE_FIELD } from "../cells/cell.js";
import type { Hive } from "../hive.js";
import type { RegKey } from "../key.js";
import { HiveEditor, type EditorOptions } from "./editor.js";
import { createHive } from "./new-hive.js";
import { findOrAddSecurity } from "./security.js";

const MAX_DEPTH = 512;

export function copyHive(source: Hive, options: EditorOptions = {}): HiveEditor {
  const root = source.root();
  const view = new DataView(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  const nkField = (key: RegKey, field: number) => view.getUint32(HBINS_START + key.offset + CELL_SIZE_FIELD + field, true);
  const minor = Math.min(6, Math.max(3, source.baseBlock.minorVersion));
  const editor = createHive(root.name, {
    ...options,
    minorVersion: minor,
    rootSecurity: root.securityDescriptor(),
    rootFlags: root.flags,
    rootLastWritten: root.lastWritten,
  });
  const cells = editor.cells;
  const rootSk = readSecurityOf(editor, editor.root);
  const securityMap = new Map<number, number>();
  if (root.securityOffset !== undefined) securityMap.set(root.securityOffset, rootSk);

  const copyContent = (from: RegKey, to: number) => {
    const className = from.className();
    if (className !== undefined) editor.setClassNameAt(to, className);
    for (const value of from.values()) editor.setValueAt(to, value.name, value.type, value.data());
  };
  copyContent(root, editor.root);
  editor.cells.view.setUint32(cells.pos(editor.root) + NK.accessBits, nkField(root, NK.accessBits), true);

  const stack: { from: RegKey; to: number; depth: number; childrenDone: boolean }[] = [{ from: root, to: editor.root, depth: 0, childrenDone: false }];
  while (stack.length > 0) {
    const item = stack[stack.length - 1];
    if (item.childrenDone) {
      stack.pop();
      // Adding children and values touched the timestamp: put the original back.
      editor.setLastWritten(item.to, item.from.lastWritten);
      continue;
    }
    item.childrenDone = true;
    if (item.depth >= MAX_DEPTH) continue;
    for (const child of item.from.subkeys()) {
      let security: number | undefined;
      const srcSk = child.securityOffset;
      if (srcSk !== undefined) {
        security = securityMap.get(srcSk);
        if (security === undefined) {
          security = findOrAddSecurity(cells, rootSk, child.securityDescriptor()!);
          securityMap.set(srcSk, security);
        }
      }
      const to = editor.addSubkey(item.to, child.name, {
        flags: child.flags,
        accessBits: nkField(child, NK.accessBits),
        lastWritten: child.lastWritten,
        nameLengthHighBits: nkField(child, NK.maxSubkeyNameLength) >>> 16,
        ...(security === undefined ? {} : { security }),
      });
      copyContent(child, to);
      stack.push({ from: child, to, depth: item.depth + 1, childrenDone: false });
    }
  }
  return editor;
}

function readSecurityOf(editor: HiveEditor, nk: number): number {
  return editor.cells.view.getUint32(editor.cells.pos(nk) + NK.security, true);
}
