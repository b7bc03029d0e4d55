/**
 * Applying a parsed .reg file to a hive. Key paths in the file are full registry paths
 * (`HKEY_LOCAL_MACHINE\SYSTEM\...`); `prefix` names the part that is this hive's root (HKLM,
 * HKCU, ... abbreviations accepted). A file exported from the hive's root with hivex
 * (`[\Key]`) needs no prefix: a leading backslash means "from the root"; without a prefix a full
 * registry path (HKEY_...) is refused rather than created below the root. `CurrentControlSet`
 * right below the root becomes the control set that `Select\Current` (else `Default`) names,
 * as Windows maps it at boot. Every error names the .reg line.
 */
import { P2vfixError, RegFileError } from "../../errors.js";
import { MAX_KEY_DEPTH, type HiveEditor } from "../edit/editor.js";
import { namesEqual, upcaseName } from "../names.js";
import { RegKey } from "../key.js";
import type { RegFile, RegFileOp } from "./reg-file.js";

export interface ApplyOptions {
  /** Registry path that maps to the hive root, e.g. "HKEY_LOCAL_MACHINE\SYSTEM". */
  prefix?: string;
  /** Map `CurrentControlSet` to the real control set (default true). */
  mapCurrentControlSet?: boolean;
  /** File name for messages. */
  source?: string;
  /**
   * For a stream of operations: characters of the .reg text, from which room in the hive is
   * reserved up front (as many bytes: a whole hive's export adds about 0.9 byte per character).
   */
  sizeHint?: number;
}

export interface ApplyReport {
  keysCreated: number;
  keysDeleted: number;
  valuesSet: number;
  valuesDeleted: number;
  /** The control set `CurrentControlSet` mapped to, when it was used. */
  currentControlSet?: string;
}

const ROOT_ABBREVIATIONS: Record<string, string> = {
  HKLM: "HKEY_LOCAL_MACHINE",
  HKCU: "HKEY_CURRENT_USER",
  HKCR: "HKEY_CLASSES_ROOT",
  HKU: "HKEY_USERS",
  HKCC: "HKEY_CURRENT_CONFIG",
};

function normalize(path: string): string[] {
  const parts = path.split("\\").filter((part) => part !== "");
  if (parts.length > 0) {
    const full = ROOT_ABBREVIATIONS[upcaseName(parts[0])];
    if (full) parts[0] = full;
  }
  return parts;
}

/** The control set CurrentControlSet stands for ("ControlSet001"), from Select\Current or Default. */
export function currentControlSetName(editor: HiveEditor): string | undefined {
  const offset = editor.find("Select");
  if (offset === undefined) return undefined;
  const select = RegKey.at(editor.cells.space, offset, "");
  const current = select?.value("Current")?.dword() ?? select?.value("Default")?.dword();
  if (current === undefined || current === 0 || current > 999) return undefined;
  return `ControlSet${String(current).padStart(3, "0")}`;
}

export function applyRegFile(editor: HiveEditor, file: RegFile | Iterable<RegFileOp>, options: ApplyOptions = {}): ApplyReport {
  const ops: Iterable<RegFileOp> = "ops" in file ? file.ops : file;
  const prefix = normalize(options.prefix ?? "");
  const report: ApplyReport = { keysCreated: 0, keysDeleted: 0, valuesSet: 0, valuesDeleted: 0 };
  let controlSet: string | null | undefined;
  const source = options.source ?? "input";

  const hivePath = (path: string, line: number): string => {
    const rootRelative = path.startsWith("\\") && prefix.length === 0;
    const parts = rootRelative ? path.split("\\").filter((part) => part !== "") : normalize(path);
    if (!rootRelative && prefix.length === 0 && parts.length > 0 && upcaseName(parts[0]).startsWith("HKEY_")) {
      throw new RegFileError("needs-prefix", `key ${JSON.stringify(path)} is a full registry path: give the prefix that is this hive's root (e.g. --prefix "HKEY_LOCAL_MACHINE\\SYSTEM")`, {
        line,
        path: source,
      });
    }
    if (!rootRelative) {
      const under = prefix.length <= parts.length && prefix.every((part, i) => namesEqual(part, parts[i]));
      if (!under) {
        throw new RegFileError("outside-prefix", `key ${JSON.stringify(path)} is not under the prefix ${JSON.stringify(options.prefix ?? "")}`, {
          line,
          path: source,
        });
      }
      parts.splice(0, prefix.length);
    }
    if ((options.mapCurrentControlSet ?? true) && parts.length > 0 && namesEqual(parts[0], "CurrentControlSet")) {
      if (controlSet === undefined) controlSet = currentControlSetName(editor) ?? null;
      if (controlSet === null) {
        throw new RegFileError("no-current-control-set", `key ${JSON.stringify(path)} uses CurrentControlSet but the hive has no Select\\Current`, {
          line,
          path: source,
        });
      }
      parts[0] = controlSet;
      report.currentControlSet = controlSet;
    }
    return parts.join("\\");
  };

  // The keys resolved along the current branch, by the path exactly as written in the file: a
  // key whose parent came just before (the .reg order) is one lookup in its parent, not a walk
  // from the root. Only the branch is kept, not every path of the file, so memory stays flat;
  // a path met again elsewhere is found from the root. Emptied by a key deletion, the only
  // operation here that frees key nodes.
  const branch: { path: string; nk: number; depth: number }[] = [];
  const onBranch = (path: string) => {
    for (let i = branch.length - 1; i >= 0; i--) if (branch[i].path === path) return branch[i];
    return undefined;
  };
  const root = editor.root;
  const resolveKey = (path: string, line: number): number => {
    const known = onBranch(path);
    if (known !== undefined) return known.nk;
    const before = editor.keysAdded;
    let key: { path: string; nk: number; depth: number } | undefined;
    const cut = path.lastIndexOf("\\");
    if (cut > 0 && cut < path.length - 1) {
      const parent = onBranch(path.slice(0, cut));
      // Below the root only (a child of the root may be CurrentControlSet, which maps), and
      // within the editor's depth limit (createKey reports a path that goes past it).
      if (parent !== undefined && parent.nk !== root && parent.depth < MAX_KEY_DEPTH) {
        key = { path, nk: editor.createSubkeyAt(parent.nk, path.slice(cut + 1)), depth: parent.depth + 1 };
      }
    }
    if (key === undefined) {
      const inHive = hivePath(path, line);
      key = { path, nk: editor.createKey(inHive), depth: inHive.split("\\").filter((part) => part !== "").length };
    }
    report.keysCreated += editor.keysAdded - before;
    while (branch.length > 0 && !path.startsWith(branch[branch.length - 1].path + "\\")) branch.pop();
    branch.push(key);
    return key.nk;
  };

  // Room for what the file adds (a rough upper bound: cells, names and list entries), so that
  // the hive buffer does not grow by repeated copies.
  // A stream is read once: its text size stands in. Reserving is cheap (pages are touched only
  // as bins are written), growing is not: the copy and the old buffer and cell-end index (~1.5x
  // the hive) are live at once, so the estimate errs high (11.7 MB from 13.5M characters, the
  // regipy SYSTEM's full export; half of it made the buffer grow once at the end).
  let estimate = options.sizeHint ?? 0;
  if (Array.isArray(ops)) {
    estimate = 0;
    for (const op of ops as RegFileOp[]) {
      if (op.kind === "value") estimate += op.data.length + op.name.length * 2 + 48;
      else if (op.kind === "key") estimate += 160;
    }
  }
  editor.cells.reserve(Math.min(estimate, 1 << 30));

  // The key the last value went to.
  let lastKeyPath: string | undefined;
  let lastKey = 0;
  for (const op of ops) {
    if (op.kind === "delete-key") {
      lastKeyPath = undefined;
      branch.length = 0;
    }
    try {
      switch (op.kind) {
        case "key": {
          // Its values follow with the same path string: they start from this key.
          lastKey = resolveKey(op.path, op.line);
          lastKeyPath = op.path;
          break;
        }
        case "delete-key": {
          const path = hivePath(op.path, op.line);
          if (path === "") throw new RegFileError("cannot-delete-root", "the hive's root key cannot be deleted", { line: op.line, path: source });
          if (editor.keyExists(path)) {
            editor.deleteKey(path);
            report.keysDeleted++;
          }
          break;
        }
        case "value": {
          // Values follow their [KEY] line: resolve the key once per run of values.
          if (op.keyPath !== lastKeyPath) {
            lastKey = resolveKey(op.keyPath, op.line);
            lastKeyPath = op.keyPath;
          }
          editor.setValueAt(lastKey, op.name, op.type, op.data);
          report.valuesSet++;
          break;
        }
        case "delete-value": {
          const path = hivePath(op.keyPath, op.line);
          if (editor.keyExists(path) && editor.deleteValue(path, op.name)) report.valuesDeleted++;
          break;
        }
      }
    } catch (err) {
      if (err instanceof RegFileError) throw err;
      if (err instanceof P2vfixError) throw new RegFileError(err.code, err.message, { line: op.line, path: source, cause: err });
      throw err;
    }
  }
  return report;
}
