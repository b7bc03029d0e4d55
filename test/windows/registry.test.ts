/**
 * The model's lookup shortcuts (registry.ts) answer exactly what the plain lookups answer:
 * `subkeysNamed` as `subkey()` per name, `withValueIndex(key).value()` as `key.value()`.
 */
import { describe, expect, it } from "vitest";
import { parseRegFile } from "../../src/regf/import/reg-file.js";
import { openHive } from "../../src/regf/open.js";
import { registryFromRegFile } from "../../src/windows/memory-registry.js";
import { subkeysNamed, withValueIndex, type RegistryKey } from "../../src/windows/registry.js";
import { RememberedKey } from "../../src/windows/remembered-key.js";
import { corpusBytes, hasCorpus, noCorpusReason } from "../helpers/corpus.js";

/**
 * Every subkey name in its own, lower and upper case, plus names that are not there: among them
 * each name with its first unit changed (same length and same ending: found only if it exists).
 */
function askedNames(key: RegistryKey): string[] {
  const names = key.subkeys().map((k) => k.name);
  const sameTail = names.map((n) => (n[0] === "x" ? "y" : "x") + n.slice(1));
  return [...names, ...names.map((n) => n.toLowerCase()), ...names.map((n) => n.toUpperCase()), ...sameTail, "", "absent", `${names[0] ?? "x"}_`];
}

function expectSameAsSubkey(key: RegistryKey): void {
  const asked = askedNames(key);
  const found = subkeysNamed(key, asked);
  for (const name of asked) expect(found.get(name)?.path, name).toBe(key.subkey(name)?.path);
}

function expectSameAsValue(key: RegistryKey): void {
  const indexed = withValueIndex(key);
  const names = key.values().map((v) => v.name);
  for (const name of [...names, ...names.map((n) => n.toUpperCase()), ...names.map((n) => n.toLowerCase()), "absent"]) {
    const plain = key.value(name);
    const fast = indexed.value(name);
    expect(fast?.name, name).toBe(plain?.name);
    expect(fast && [...fast.data()], name).toEqual(plain && [...plain.data()]);
  }
  expect(indexed.values().map((v) => v.name)).toEqual(names);
}

describe.skipIf(!hasCorpus())(`lookup shortcuts on a Windows 7 SYSTEM hive (${noCorpusReason})`, () => {
  it("subkeysNamed over the CriticalDeviceDatabase and Services; withValueIndex over services", async () => {
    const root = openHive(await corpusBytes("hives/regipy/SYSTEM.xz")).root();
    const cdd = root.key("ControlSet001\\Control\\CriticalDeviceDatabase")!;
    expect(cdd.subkeys().length).toBeGreaterThan(1000);
    expectSameAsSubkey(cdd);
    const services = root.key("ControlSet001\\Services")!;
    expectSameAsSubkey(services);
    for (const name of ["Tcpip", "disk", "volmgr", "LanmanServer", "Dhcp"]) expectSameAsValue(services.subkey(name)!);
  });
});

/** A RememberedKey answers every lookup as its key does, asked once or again. */
function expectSameAsRemembered(key: RegistryKey, paths: string[]): void {
  const remembered = new RememberedKey(key);
  for (const round of [1, 2]) {
    for (const path of paths) {
      expect(remembered.key(path)?.path, `${path} (${round})`).toBe(key.key(path)?.path);
      expect(remembered.subkey(path)?.name, `${path} (${round})`).toBe(key.subkey(path)?.name);
    }
  }
  expect(remembered.subkeys().map((k) => k.path)).toEqual(key.subkeys().map((k) => k.path));
  expect(remembered.values().map((v) => v.name)).toEqual(key.values().map((v) => v.name));
}

describe.skipIf(!hasCorpus())(`remembered lookups on a Windows 7 SYSTEM hive (${noCorpusReason})`, () => {
  it("answer as the hive key, in any case, present or absent, nested", async () => {
    const root = openHive(await corpusBytes("hives/regipy/SYSTEM.xz")).root();
    const ccs = root.key("ControlSet001")!;
    const paths = [...askedNames(ccs), ...askedNames(ccs.key("Control")!).flatMap((n) => [`Control\\${n}`, `control\\\\${n}\\`])];
    paths.push("Services\\Tcpip\\Parameters\\Interfaces", "SERVICES\\tcpip\\absent", "", "\\");
    expectSameAsRemembered(ccs, paths);
  });
});

describe("lookup shortcuts on the in-memory registry of a .reg file", () => {
  it("answer as its own lookups, duplicates in other case included", () => {
    const root = registryFromRegFile(
      parseRegFile(
        `Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Ab]\n"Start"=dword:00000003\n"sTART"=dword:00000004\n"Type"="x"\n@="d"\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ab2]\n[HKEY_LOCAL_MACHINE\\SYSTEM\\B]\n`,
      ),
    );
    expectSameAsSubkey(root);
    expectSameAsValue(root.subkey("AB")!);
    expectSameAsRemembered(root, [...askedNames(root), "ab\\x", "B\\"]);
    expect(subkeysNamed(undefined, ["a"]).size).toBe(0);
  });
});
