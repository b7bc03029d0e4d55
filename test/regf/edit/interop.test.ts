/**
 * Interop: hives written by p2vfix read identically by hivex and libregf; the same edits made
 * with hivexsh and with p2vfix give the same exported content; corpus hives survive export →
 * import → export; imports and small edits stay compact.
 */
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkHive } from "../../../src/regf/check/check-hive.js";
import { copyHive } from "../../../src/regf/edit/copy.js";
import { editHive } from "../../../src/regf/edit/admission.js";
import { createHive } from "../../../src/regf/edit/new-hive.js";
import { exportReg } from "../../../src/regf/export/reg-export.js";
import { Hive } from "../../../src/regf/hive.js";
import { applyRegFile } from "../../../src/regf/import/apply.js";
import { parseRegFile } from "../../../src/regf/import/reg-file.js";
import { openHiveFile } from "../../../src/regf/open.js";
import { RegType } from "../../../src/regf/value-types.js";
import { corpusFile, hasCorpus } from "../../helpers/corpus.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";

const work = () => mkdtempSync(join(tmpdir(), "p2vfix-regw-interop-"));
const utf16z = (s: string) => new Uint8Array(Buffer.from(s + "\0", "utf16le"));

function hivexExport(path: string): string {
  const r = runTool("hivexregedit", ["--export", path, "\\"]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.toString("utf8");
}

/** regfexport's listing without its banner line (which names the file). */
function regfExport(path: string): string {
  const r = runTool("regfexport", [path]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.toString("utf8").split("\n").filter((l) => !l.startsWith("regfexport ")).join("\n");
}

function generated(): Uint8Array {
  const e = createHive("ROOT", { now: () => new Date("2024-03-01T00:00:00Z") });
  e.createKey("Software\\Vendor\\App");
  e.setValue("Software\\Vendor\\App", "", RegType.SZ, utf16z("default"));
  e.setValue("Software\\Vendor\\App", "Ünïcode Ω", RegType.EXPAND_SZ, utf16z("%TEMP%\\ä"));
  e.setValue("Software\\Vendor\\App", "dw", RegType.DWORD, Uint8Array.from([1, 2, 3, 4]));
  e.setValue("Software\\Vendor\\App", "qw", RegType.QWORD, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  e.setValue("Software\\Vendor\\App", "multi", RegType.MULTI_SZ, utf16z("a\0bb\0"));
  e.setValue("Software\\Vendor\\App", "big", RegType.BINARY, Uint8Array.from({ length: 50_000 }, (_, i) => (i * 13) & 0xff));
  e.setValue("Software\\Vendor\\App", "odd", 0x20001, Uint8Array.from([7, 7, 7, 7, 7]));
  e.setClassName("Software\\Vendor", "VendorClass");
  for (let i = 0; i < 1500; i++) e.createKey(`Many\\Sub ${i}`);
  for (let i = 0; i < 1500; i += 4) e.deleteKey(`Many\\Sub ${i}`);
  e.createKey("日本\\Ωmega");
  return e.serialize();
}

describe.skipIf(!toolsAvailable("hivexregedit", "regfexport"))("hives written by p2vfix, read by hivex and libregf", () => {
  it("a generated hive: hivex and libregf see what p2vfix's reader sees", () => {
    const dir = work();
    const path = join(dir, "gen.hiv");
    writeFileSync(path, generated());
    const hivex = hivexExport(path);
    expect(hivex).toContain('[\\Software\\Vendor\\App]');
    expect(hivex).toContain('"dw"=dword:04030201');
    expect(hivex).toContain("[\\Many\\Sub 999]");
    expect(hivex).not.toContain("[\\Many\\Sub 1000]");
    // The whole content equals p2vfix's own export of the same hive, value by value.
    const ours = exportReg(new Hive(new Uint8Array(readFileSync(path))).root(), { prefix: "" });
    const keyLines = (t: string) => t.split(/\r?\n/).filter((l) => l.startsWith("[")).map((l) => l.replace(/^\[\\?/, "[")).sort();
    expect(keyLines(hivex)).toEqual(keyLines(ours).map((l) => (l === "[]" ? "[]" : l)));
    const libregf = regfExport(path);
    expect(libregf).toContain("Class name");
    expect(libregf).toContain("VendorClass");
    expect(libregf.match(/Key path:/g)?.length).toBe(1 + 3 + 1 + 1125 + 2);
  });
});

describe.skipIf(!hasCorpus() || !toolsAvailable("hivexregedit", "regfexport", "hivexsh"))("p2vfix writes real hives the way the peers read them", () => {
  for (const rel of ["dfwinreg/NTUSER.DAT", "EricZimmerman-Registry/SAM", "yarp/BigDataHive", "yarp/ManySubkeysHive", "yarp/UnicodeHive", "python-registry/UNICODE_TESTS"]) {
    it(`compact of ${rel} exports byte-identically with hivex and libregf`, async () => {
      const src = await corpusFile(`hives/${rel}`);
      const out = join(work(), "compact.hiv");
      const copy = copyHive(openHiveFile(src, { useLogs: false })).serialize();
      expect(checkHive(copy).errors).toEqual([]);
      writeFileSync(out, copy);
      expect(hivexExport(out)).toBe(hivexExport(src));
      expect(regfExport(out)).toBe(regfExport(src));
    }, 20_000);
  }

  it("the same edits through hivexsh and through p2vfix give the same hivex export", async () => {
    const src = await corpusFile("hives/dfwinreg/NTUSER.DAT");
    const dir = work();
    const viaHivex = join(dir, "hivex.hiv");
    copyFileSync(src, viaHivex);
    const script = [
      "cd \\Software",
      "add P2vTest",
      "cd P2vTest",
      "add Parameters",
      "setval 3",
      "Start",
      "dword:0x00000003",
      "ImagePath",
      "string:C:\\Windows\\p2v.sys",
      "Blob",
      "hex:3:01,02,03,04,05",
      "cd \\AppEvents\\EventLabels",
      "del",
      "commit",
      "",
    ].join("\n");
    const r = runTool("hivexsh", ["-w", viaHivex], { input: script });
    expect(r.status, r.stderr).toBe(0);

    const viaP2vfix = join(dir, "p2vfix.hiv");
    const e = editHive(openHiveFile(src, { useLogs: false }));
    e.createKey("Software\\P2vTest\\Parameters");
    e.setValue("Software\\P2vTest", "Start", RegType.DWORD, Uint8Array.from([3, 0, 0, 0]));
    e.setValue("Software\\P2vTest", "ImagePath", RegType.SZ, utf16z("C:\\Windows\\p2v.sys"));
    e.setValue("Software\\P2vTest", "Blob", RegType.BINARY, Uint8Array.from([1, 2, 3, 4, 5]));
    e.deleteKey("AppEvents\\EventLabels");
    const bytes = e.serialize();
    expect(checkHive(bytes).errors).toEqual([]);
    writeFileSync(viaP2vfix, bytes);
    const exported = hivexExport(viaP2vfix);
    expect(exported).toContain('"ImagePath"=hex(1):43,00,3a,00');
    expect(exported).not.toContain("[\\AppEvents\\EventLabels]");
    expect(exported).toContain("[\\Software\\P2vTest\\Parameters]");
    expect(exported).toBe(hivexExport(viaHivex));
    expect(regfExport(viaP2vfix)).toBe(regfExport(viaHivex));
  }, 20_000);
});

describe.skipIf(!hasCorpus())("round trip and size on corpus hives", () => {
  it("export → import into a new hive → export is identical (dfwinreg NTUSER.DAT)", async () => {
    const hive = openHiveFile(await corpusFile("hives/dfwinreg/NTUSER.DAT"), { useLogs: false });
    const prefix = "HKEY_CURRENT_USER";
    const first = exportReg(hive.root(), { prefix });
    const e = createHive(hive.root().name);
    applyRegFile(e, parseRegFile(first), { prefix, mapCurrentControlSet: false });
    const bytes = e.serialize();
    expect(checkHive(bytes).errors).toEqual([]);
    expect(exportReg(new Hive(bytes).root(), { prefix })).toBe(first);
  });

  it("a full import of the largest SYSTEM hive is at most 1.15x its hive bins; a small edit grows a 12 MB hive by at most 8 KiB", async () => {
    const hive = openHiveFile(await corpusFile("hives/regipy/SYSTEM.xz"));
    const prefix = "HKEY_LOCAL_MACHINE\\SYSTEM";
    const text = exportReg(hive.root(), { prefix });
    const e = createHive(hive.root().name);
    applyRegFile(e, parseRegFile(text), { prefix, mapCurrentControlSet: false });
    const imported = e.serialize();
    expect(checkHive(imported).errors).toEqual([]);
    expect(imported.length - 4096).toBeLessThanOrEqual(1.15 * hive.dataSize);

    const edit = editHive(hive);
    edit.createKey("ControlSet001\\Services\\p2vfix\\Parameters");
    edit.setValue("ControlSet001\\Services\\p2vfix", "Start", RegType.DWORD, Uint8Array.from([2, 0, 0, 0]));
    edit.setValue("ControlSet001\\Services\\p2vfix", "ImagePath", RegType.EXPAND_SZ, utf16z("system32\\drivers\\p2vfix.sys"));
    edit.setValue("ControlSet001\\Services\\p2vfix\\Parameters", "Mode", RegType.SZ, utf16z("virtio"));
    edit.deleteKey("ControlSet001\\Services\\Tcpip");
    const edited = edit.serialize();
    expect(checkHive(edited).errors).toEqual([]);
    expect(edited.length - (4096 + hive.dataSize)).toBeLessThanOrEqual(8192);
    // Untouched cells keep their bytes: only the edited cells, their lists and freed cells' size fields change.
    let changed = 0;
    for (let i = 4096; i < 4096 + hive.dataSize; i++) if (edited[i] !== hive.bytes[i]) changed++;
    expect(changed).toBeLessThan(4096);
    expect(new Hive(edited).key("ControlSet001\\Services\\Tcpip")).toBeUndefined();
  }, 60_000);
});
