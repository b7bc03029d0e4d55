/**
 * A key whose subkey lookups are remembered for one model build: the sections look up the same
 * control set and SOFTWARE keys again and again (Control, Services, Microsoft\Windows NT...),
 * and each lookup is a binary search through a large subkey list. Everything else is the key's
 * own answer. Lives only as long as the build that made it, so an edited hive is never seen
 * through an old answer.
 */
import { upcaseName } from "../regf/internal.js";
import type { RegistryKey, RegistryValue } from "./registry-interface.js";
import { descendantAt } from "../util/key-path.js";

export class RememberedKey implements RegistryKey {
  /** By name upper-cased as Windows compares names; null: known to be absent. */
  private readonly children = new Map<string, RememberedKey | null>();

  constructor(readonly inner: RegistryKey) {}

  get name(): string {
    return this.inner.name;
  }

  get path(): string {
    return this.inner.path;
  }

  subkeys(): RegistryKey[] {
    return this.inner.subkeys();
  }

  subkey(name: string): RememberedKey | undefined {
    const id = upcaseName(name);
    let child = this.children.get(id);
    if (child === undefined) {
      const found = this.inner.subkey(name);
      child = found === undefined ? null : new RememberedKey(found);
      this.children.set(id, child);
    }
    return child ?? undefined;
  }

  /** As RegKey.key: "\"-separated parts, empty parts skipped. */
  key(relPath: string): RememberedKey | undefined {
    return descendantAt<RememberedKey>(this, relPath);
  }

  values(): RegistryValue[] {
    return this.inner.values();
  }

  value(name: string): RegistryValue | undefined {
    return this.inner.value(name);
  }
}
