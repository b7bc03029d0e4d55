/**
 * The values a section reads of many keys under fixed names (each service's Type, Start,
 * ImagePath...): found in one pass over a key's value list, each entry checked once and its
 * name compared only with the wanted names of its length, instead of one scan per name.
 * Answers exactly as readString/readMulti/readDword(key, name) would, errors included.
 */
import { type CellSpace, ValueFlags, VK, vkPosition, upcaseUnit } from "../regf/internal.js";
import { readDword, readMulti, readString, storedDword, storedMulti, storedKey, storedString, withValueIndex, type RegistryKey } from "./registry.js";

export class ValueNames<Name extends string> {
  private readonly slots = new Map<string, number>();
  /** Slot numbers of the wanted names, by name length. */
  private readonly byLength: number[][] = [];
  /**
   * Per slot, the whole 4-byte words of the name's Latin-1 bytes (little-endian; the bytes
   * left over are compared one by one), empty when the name is not Latin-1: value names are
   * nearly all stored compressed, in the case they are asked in.
   */
  private readonly words: number[][] = [];

  constructor(readonly names: readonly Name[]) {
    names.forEach((name, slot) => {
      this.slots.set(name, slot);
      (this.byLength[name.length] ??= []).push(slot);
      const words: number[] = [];
      if (/^[\x00-\xff]*$/.test(name)) {
        for (let i = 0; i + 4 <= name.length; i += 4) {
          words.push((name.charCodeAt(i) | (name.charCodeAt(i + 1) << 8) | (name.charCodeAt(i + 2) << 16) | (name.charCodeAt(i + 3) << 24)) >>> 0);
        }
      }
      this.words.push(words);
    });
  }

  /**
   * The wanted values of `key`. For a hive key every entry of the list is checked here, in
   * order (as `values()` checks them: a corrupt entry fails the key), whatever is asked later.
   */
  of(key: RegistryKey | undefined): NamedValues<Name> {
    const stored = key === undefined ? undefined : storedKey(key);
    if (!stored) return new ValuesOfKey(key === undefined ? undefined : withValueIndex(key));
    const space = stored.cellSpace;
    const bytes = space.bytes;
    const found = new Array<number>(this.names.length).fill(-1);
    const list = stored.valueListPosition();
    const count = list < 0 ? 0 : stored.valueCount;
    for (let i = 0; i < count; i++) {
      const pos = vkPosition(space, space.u32(list + 4 * i));
      const byteLength = space.u16(pos + VK.nameLength);
      const compressed = (space.u16(pos + VK.flags) & ValueFlags.COMP_NAME) !== 0;
      const candidates = this.byLength[compressed ? byteLength : byteLength >>> 1];
      if (candidates === undefined) continue;
      // The first entry of a name wins, as a lookup by name finds it.
      for (const slot of candidates) {
        if (found[slot] >= 0) continue;
        const name = this.names[slot];
        // Identical in whole words first (the usual case), else unit by unit, upper-cased.
        if ((compressed && sameWords(space, pos + VK.name, this.words[slot], name)) || sameName(bytes, pos + VK.name, compressed, name)) found[slot] = pos;
      }
    }
    return new StoredValues(space, found, this.slots);
  }
}

/** Whether the Latin-1 name stored at `at` is byte for byte `name` (whose whole words are `words`). */
function sameWords(space: CellSpace, at: number, words: number[], name: string): boolean {
  if (words.length === 0 && name.length >= 4) return false;
  for (let w = 0; w < words.length; w++) if (space.u32(at + 4 * w) !== words[w]) return false;
  const bytes = space.bytes;
  for (let i = 4 * words.length; i < name.length; i++) if (bytes[at + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether the name stored at `at` (Latin-1 when `compressed`, else UTF-16LE; as many units as
 * `name` has) is `name` as Windows compares names: unit by unit, upper-cased.
 */
function sameName(bytes: Uint8Array, at: number, compressed: boolean, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const stored = compressed ? bytes[at + i] : bytes[at + 2 * i] | (bytes[at + 2 * i + 1] << 8);
    const wanted = name.charCodeAt(i);
    if (stored !== wanted && upcaseUnit(stored) !== upcaseUnit(wanted)) return false;
  }
  return true;
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
