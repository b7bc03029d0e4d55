/**
 * The values a section reads of many keys under fixed names (each service's Type, Start,
 * ImagePath...): found in one pass over a key's value list, each entry checked once and its
 * name compared only with the wanted names of its length, instead of one scan per name.
 * Answers exactly as readString/readMulti/readDword(key, name) would, errors included.
 */
import type { CellSpace } from "../regf/cells/cell.js";
import { ValueFlags, VK, vkPosition } from "../regf/cells/vk.js";
import { NAME_DIFFERENT, RegKey, vkNameMatch } from "../regf/key.js";
import { readDword, readMulti, readString, storedDword, storedMulti, storedString, withValueIndex, type RegistryKey } from "./registry.js";

export class ValueNames<Name extends string> {
  private readonly slots = new Map<string, number>();
  /** Slot numbers of the wanted names, by name length. */
  private readonly byLength: number[][] = [];

  constructor(readonly names: readonly Name[]) {
    names.forEach((name, slot) => {
      this.slots.set(name, slot);
      (this.byLength[name.length] ??= []).push(slot);
    });
  }

  /**
   * The wanted values of `key`. For a hive key every entry of the list is checked here, in
   * order (as `values()` checks them: a corrupt entry fails the key), whatever is asked later.
   */
  of(key: RegistryKey | undefined): NamedValues<Name> {
    if (!(key instanceof RegKey)) return new ValuesOfKey(key === undefined ? undefined : withValueIndex(key));
    const space = key.cellSpace;
    const found = new Array<number>(this.names.length).fill(-1);
    for (const offset of key.valueOffsets()) {
      const pos = vkPosition(space, offset);
      const byteLength = space.u16(pos + VK.nameLength);
      const units = (space.u16(pos + VK.flags) & ValueFlags.COMP_NAME) !== 0 ? byteLength : byteLength >>> 1;
      const candidates = this.byLength[units];
      if (candidates === undefined) continue;
      // The first entry of a name wins, as a lookup by name finds it.
      for (const slot of candidates) {
        if (found[slot] < 0 && vkNameMatch(space, pos, this.names[slot]) !== NAME_DIFFERENT) found[slot] = pos;
      }
    }
    return new StoredValues(space, found, this.slots);
  }
}

/** The typed reads of one key's wanted values. */
export interface NamedValues<Name extends string> {
  readString(name: Name): string | undefined;
  readMulti(name: Name): string[] | undefined;
  readDword(name: Name): number | undefined;
}

/** A hive key's wanted values: vk positions, read in place when asked. */
class StoredValues<Name extends string> implements NamedValues<Name> {
  constructor(
    private readonly space: CellSpace,
    private readonly found: number[],
    private readonly slots: Map<string, number>,
  ) {}

  private position(name: Name): number {
    return this.found[this.slots.get(name)!];
  }

  readString(name: Name): string | undefined {
    return storedString(this.space, this.position(name));
  }

  readMulti(name: Name): string[] | undefined {
    return storedMulti(this.space, this.position(name));
  }

  readDword(name: Name): number | undefined {
    return storedDword(this.space, this.position(name));
  }
}

/** Any other key (an in-memory .reg registry): the plain lookups. */
class ValuesOfKey<Name extends string> implements NamedValues<Name> {
  constructor(private readonly key: RegistryKey | undefined) {}

  readString(name: Name): string | undefined {
    return readString(this.key, name);
  }

  readMulti(name: Name): string[] | undefined {
    return readMulti(this.key, name);
  }

  readDword(name: Name): number | undefined {
    return readDword(this.key, name);
  }
}
