/**
 * Bounded depth-first walk over a key tree, in stored order (parent first, as regedit
 * exports). A key reached twice (a cycle or a shared subtree) and nesting deeper than Windows
 * allows are errors, so a hostile hive can never make the walk loop.
 */
import { RegfError } from "../errors.js";
import { HBINS_START } from "./base-block.js";
import type { RegKey } from "./key.js";
import type { RegValue } from "./value.js";
import { compareNames, upcaseName } from "./names.js";

/** Windows refuses keys nested deeper than 512 levels. */
export const MAX_KEY_DEPTH = 512;

export interface WalkedKey {
  key: RegKey;
  /** 0 for the start key. */
  depth: number;
}

export interface WalkOptions {
  /** Told about anomalies that do not stop the walk (an unsorted subkey list). */
  onWarning?: (message: string, key: RegKey) => void;
}

/**
 * The subkeys of `key`, checked: two subkeys with the same name (Windows' upper case) are an
 * error; a list out of Windows' order is reported as a warning (Windows' own lookups, which
 * binary-search, may miss keys in it).
 */
export function checkedSubkeys(key: RegKey, options: WalkOptions = {}): RegKey[] {
  const keys = key.subkeys();
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    const c = compareNames(keys[i - 1].name, keys[i].name);
    if (c === 0) throw duplicate(keys[i]);
    if (c > 0) sorted = false;
  }
  if (!sorted) {
    options.onWarning?.(`subkey list of ${JSON.stringify(key.path)} is not in Windows' sort order`, key);
    const names = new Set<string>();
    for (const k of keys) {
      const up = upcaseName(k.name);
      if (names.has(up)) throw duplicate(k);
      names.add(up);
    }
  }
  return keys;
}

function duplicate(key: RegKey): RegfError {
  return new RegfError("duplicate-subkey", `two subkeys are named ${JSON.stringify(key.name)}`, {
    offset: HBINS_START + key.offset,
    path: key.path,
  });
}

export function* iterateKeys(start: RegKey, options: WalkOptions = {}): Generator<WalkedKey> {
  const seen = new Set<number>([start.offset]);
  yield { key: start, depth: 0 };
  const stack: { keys: RegKey[]; next: number }[] = [{ keys: checkedSubkeys(start, options), next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= top.keys.length) {
      stack.pop();
      continue;
    }
    const key = top.keys[top.next++];
    if (seen.has(key.offset)) {
      throw new RegfError("key-reached-twice", `key node at 0x${key.offset.toString(16)} is reached twice (a cycle or a duplicate subkey entry)`, {
        offset: HBINS_START + key.offset,
        path: key.path,
      });
    }
    seen.add(key.offset);
    if (stack.length > MAX_KEY_DEPTH) {
      throw new RegfError("too-deep", `keys are nested deeper than ${MAX_KEY_DEPTH} levels`, { path: key.path });
    }
    yield { key, depth: stack.length };
    if (key.subkeyCount > 0) stack.push({ keys: checkedSubkeys(key, options), next: 0 });
  }
}

export function walkKeys(start: RegKey, visit: (key: RegKey, depth: number) => void, options: WalkOptions = {}): void {
  for (const { key, depth } of iterateKeys(start, options)) visit(key, depth);
}

/**
 * A key's values for a whole-tree walk: a value cell reached a second time (from the same
 * list or another key) is corruption, and refusing it keeps an export bounded by the hive size.
 */
export function checkedValues(key: RegKey, seenValues: Set<number>): RegValue[] {
  if (key.valueCount === 0) return [];
  const values = key.values();
  for (const v of values) {
    if (seenValues.has(v.offset)) {
      throw new RegfError("value-reached-twice", `value cell 0x${v.offset.toString(16)} is listed twice`, {
        offset: HBINS_START + v.offset,
        path: key.path,
      });
    }
    seenValues.add(v.offset);
  }
  return values;
}
