/**
 * `drivers add` end to end on NTFS images holding real SYSTEM hives from the corpus (Windows 7
 * x86: CriticalDeviceDatabase; Windows 10 x64, as a client and made a Server 2019:
 * DriverDatabase), with a virtio-win-like ISO made by genisoimage: the right build lands in
 * System32\drivers (read back by sleuthkit icat), the service and bindings read back by hivex,
 * inspect --target kvm stops predicting STOP 0x7B, a second run writes nothing, undo restores
 * the SHA-256. Bad input (corrupt ISO, INF syntax error, missing .sys, no package for this
 * Windows) gives a typed error naming the file (and line) and leaves the image unchanged.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { undoApply } from "../../src/apply/index.js";
import { addDriversToImage } from "../../src/drivers/install-image.js";
import { openDriverSource } from "../../src/drivers/source.js";
import { editHive } from "../../src/regf/edit/admission.js";
import { Hive } from "../../src/regf/hive.js";
import { RegType } from "../../src/regf/value-types.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { corpusFile, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { sysBytes, virtioTree, storageInf } from "./inf-fixtures.js";
import { makeIso, writeHostTree } from "./iso-helpers.js";
import { softwareHive, windowsVolume } from "./image-helpers.js";

const work = mkdtempSync(join(tmpdir(), "p2vfix-drivers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

const tools = toolsAvailable("genisoimage", "mkntfs", "icat", "fls", "hivexget");
const corpus = hasCorpus();
if (!corpus) console.warn(noCorpusReason);

/** fls -r -p of the volume, read again only when the volume's bytes changed. */
const listings = new Map<string, { hash: string; list: string }>();
function fls(volume: string): string {
  const st = statSync(volume);
  const hash = `${st.mtimeMs}:${st.size}`;
  const cached = listings.get(volume);
  if (cached?.hash === hash) return cached.list;
  const list = runTool("fls", ["-r", "-p", volume]).stdout.toString();
  listings.set(volume, { hash, list });
  return list;
}

/** File bytes on the NTFS volume, found with fls and read with icat (sleuthkit). */
function icat(volume: string, path: string): string | undefined {
  const list = fls(volume);
  const line = list.split("\n").find((l) => l.split("\t")[1]?.toLowerCase() === path.toLowerCase());
  if (!line) return undefined;
  const inode = /(\d+)(-\d+-\d+)?:/.exec(line.split("\t")[0])![1];
  return runTool("icat", [volume, inode]).stdout.toString();
}

/** hivexget on the SYSTEM (or SOFTWARE) hive read out of the volume by icat. */
const extracted = new Map<string, string>();
function hivexget(volume: string, hive: "SYSTEM" | "SOFTWARE", key: string, value: string): string {
  const st = statSync(volume);
  const file = join(work, `${hive}-${basename(volume)}-${st.mtimeMs}`);
  if (!extracted.has(file)) {
    const line = fls(volume).split("\n").find((l) => l.split("\t")[1] === `Windows/System32/config/${hive}`)!;
    const inode = /(\d+)/.exec(line.split("\t")[0])![1];
    writeFileSync(file, runTool("icat", [volume, inode]).stdout);
    extracted.set(file, file);
  }
  const r = runTool("hivexget", [file, key, value]);
  return r.status === 0 ? r.stdout.toString().trim() : `(absent: ${r.stderr.trim()})`;
}

function kvmFindings(volume: string): string[] {
  const loaded = loadWindows(volume);
  try {
    return inspectWindows(loaded.hives, { ...loaded.options, target: "kvm" }).findings.map((f) => f.id);
  } finally {
    loaded.close();
  }
}

describe.skipIf(!tools || !corpus)("drivers add on images with real SYSTEM hives", () => {
  let iso = "";
  let win7: Uint8Array = new Uint8Array();
  let win10: Uint8Array = new Uint8Array();
  let server2019: Uint8Array = new Uint8Array();
  beforeAll(async () => {
    iso = join(work, "virtio-win.iso");
    makeIso(writeHostTree(join(work, "virtio"), virtioTree()), iso, "joliet+rock-ridge");
    win7 = new Uint8Array(readFileSync(await corpusFile("hives/regipy/SYSTEM.xz")));
    win10 = new Uint8Array(readFileSync(await corpusFile("hives/dissect.regf/SYSTEM.gz")));
    // The Windows 10 hive made a Server 2019 (ProductType ServerNT): client vs server folders.
    const ed = editHive(new Hive(win10));
    ed.setValue("ControlSet001\\Control\\ProductOptions", "ProductType", RegType.SZ, new Uint8Array(Buffer.from("ServerNT\u0000", "utf16le")));
    server2019 = new Uint8Array(ed.serialize());
  });

  it("Windows 7 x86: w7/x86 viostor + vioscsi, services boot-start, CriticalDeviceDatabase; undo restores the SHA-256", () => {
    const vol = windowsVolume(work, "win7", win7, softwareHive({ productName: "Windows 7 Professional", currentVersion: "6.1", build: 7601, installationType: "Client" }));
    const before = sha(vol);
    expect(kvmFindings(vol)).toContain("boot-driver-missing:kvm");
    const source = openDriverSource(iso);
    const report = addDriversToImage(vol, source, { backupDir: work });
    source.close();
    expect(report.result.selection.virtioOsDir).toBe("w7");
    expect(report.result.drivers.map((d) => [d.driver, d.mode, d.binding]).sort()).toEqual([
      ["vioscsi", "boot-storage", "CriticalDeviceDatabase"],
      ["viostor", "boot-storage", "CriticalDeviceDatabase"],
    ]);
    expect(report.result.selection.unmatched.map((u) => u.driver)).toEqual(["NetKVM"]);
    expect(icat(vol, "Windows/System32/drivers/viostor.sys")).toBe(sysBytes("viostor", "w7", "x86"));
    expect(icat(vol, "Windows/System32/drivers/vioscsi.sys")).toBe(sysBytes("vioscsi", "w7", "x86"));
    for (const cs of ["ControlSet001", "ControlSet002"]) {
      expect(hivexget(vol, "SYSTEM", `${cs}\\Services\\viostor`, "Start")).toBe("0");
      expect(hivexget(vol, "SYSTEM", `${cs}\\Services\\viostor`, "Type")).toBe("1");
      expect(hivexget(vol, "SYSTEM", `${cs}\\Services\\viostor`, "ImagePath")).toBe("System32\\drivers\\viostor.sys");
      expect(hivexget(vol, "SYSTEM", `${cs}\\Services\\viostor`, "Group")).toBe("SCSI miniport");
      expect(hivexget(vol, "SYSTEM", `${cs}\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001&subsys_00021af4&rev_00`, "Service")).toBe("viostor");
      expect(hivexget(vol, "SYSTEM", `${cs}\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1048&subsys_11001af4&rev_01`, "ClassGUID")).toBe("{4D36E97B-E325-11CE-BFC1-08002BE10318}");
    }
    expect(hivexget(vol, "SYSTEM", "ControlSet001\\Services\\viostor\\Parameters\\Device", "PhysicalBreaks")).toBe("32");
    expect(kvmFindings(vol)).not.toContain("boot-driver-missing:kvm");
    const written = sha(vol);
    // Again: nothing to write.
    const source2 = openDriverSource(iso);
    const again = addDriversToImage(vol, source2, { backupDir: work });
    source2.close();
    expect(again.undoFile).toBeUndefined();
    expect(again.result.diff).toEqual([]);
    expect(sha(vol)).toBe(written);
    undoApply(vol, { undoFile: report.undoFile! });
    expect(sha(vol)).toBe(before);
  });

  it("Windows 10 x64 client: w10/amd64 builds, DriverDatabase + driver store, NetKVM staged with DevicePath", () => {
    const vol = windowsVolume(work, "win10", win10, softwareHive({ productName: "Windows 10 Pro", currentVersion: "6.3", build: 19045, installationType: "Client", major: 10 }));
    const before = sha(vol);
    const source = openDriverSource(iso);
    const report = addDriversToImage(vol, source, { backupDir: work });
    source.close();
    expect(report.result.selection.virtioOsDir).toBe("w10");
    const viostor = report.result.drivers.find((d) => d.driver === "viostor")!;
    expect(viostor.binding).toBe("DriverDatabase");
    expect(icat(vol, "Windows/System32/drivers/viostor.sys")).toBe(sysBytes("viostor", "w10", "amd64"));
    expect(icat(vol, `Windows/System32/DriverStore/FileRepository/${viostor.packageId}/viostor.inf`)).toContain("[Manufacturer]");
    expect(icat(vol, `Windows/System32/DriverStore/FileRepository/${viostor.packageId}/viostor.cat`)).toBe("catalog viostor w10 amd64");
    expect(hivexget(vol, "SYSTEM", "ControlSet001\\Services\\vioscsi", "Start")).toBe("0");
    expect(hivexget(vol, "SYSTEM", "DriverDatabase\\DriverInfFiles\\viostor.inf", "Active")).toBe(viostor.packageId);
    expect(hivexget(vol, "SYSTEM", `DriverDatabase\\DriverPackages\\${viostor.packageId}\\Configurations\\viostor_inst`, "Service")).toBe("viostor");
    expect(hivexget(vol, "SYSTEM", `DriverDatabase\\DriverPackages\\${viostor.packageId}\\Descriptors\\PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00`, "Configuration")).toBe("viostor_inst");
    expect(icat(vol, "Windows/Drivers/p2vfix/NetKVM/netkvm.sys")).toBe(sysBytes("netkvm", "w10", "amd64"));
    expect(hivexget(vol, "SOFTWARE", "Microsoft\\Windows\\CurrentVersion", "DevicePath")).toBe("%SystemRoot%\\inf;%SystemRoot%\\Drivers\\p2vfix\\NetKVM");
    expect(kvmFindings(vol)).not.toContain("boot-driver-missing:kvm");
    undoApply(vol, { undoFile: report.undoFile! });
    expect(sha(vol)).toBe(before);
  });

  it("the Windows 10 hive as Server 2019: the 2k19 folder, never w10", () => {
    const vol = windowsVolume(work, "srv2019", server2019, softwareHive({ productName: "Windows Server 2019 Standard", currentVersion: "6.3", build: 17763, installationType: "Server", major: 10 }));
    const source = openDriverSource(iso);
    const report = addDriversToImage(vol, source, { backupDir: work, only: ["viostor"] });
    source.close();
    expect(report.result.selection.virtioOsDir).toBe("2k19");
    expect(report.result.drivers.map((d) => d.driver)).toEqual(["viostor"]);
    expect(icat(vol, "Windows/System32/drivers/viostor.sys")).toBe(sysBytes("viostor", "2k19", "amd64"));
    expect(icat(vol, "Windows/System32/drivers/vioscsi.sys")).toBeUndefined();
  });

  describe("bad input leaves the image unchanged", () => {
    let vol = "";
    let before = "";
    beforeAll(() => {
      vol = windowsVolume(work, "bad", win10, softwareHive({ productName: "Windows 10 Pro", currentVersion: "6.3", build: 19045, installationType: "Client", major: 10 }));
      before = sha(vol);
    });
    /** The install from an ISO of `tree`, as a function for expect(...).toThrow. */
    const attempt = (tree: Record<string, string>, name: string) => {
      const path = join(work, `${name}.iso`);
      makeIso(writeHostTree(join(work, name), tree), path, "joliet");
      return () => {
        const source = openDriverSource(path);
        try {
          return addDriversToImage(vol, source, { backupDir: work });
        } finally {
          source.close();
        }
      };
    };
    const base = () => Object.fromEntries(Object.entries(virtioTree()).filter(([k]) => k.startsWith("viostor/w10/amd64/")).map(([k, v]) => [k, v as string]));

    it("corrupt ISO", () => {
      const bytes = new Uint8Array(readFileSync(iso));
      bytes.fill(0, 16 * 2048, 18 * 2048);
      const path = join(work, "corrupt.iso");
      writeFileSync(path, bytes);
      expect(() => openDriverSource(path)).toThrow(expect.objectContaining({ code: "not-iso9660", path }));
      expect(sha(vol)).toBe(before);
    });

    it("INF syntax error: file and line", () => {
      const tree = base();
      tree["viostor/w10/amd64/viostor.inf"] = tree["viostor/w10/amd64/viostor.inf"].replace("[Strings]", "[Strings");
      expect(attempt(tree, "syntax")).toThrow(expect.objectContaining({ code: "inf-bad-section", line: expect.any(Number), path: expect.stringContaining("viostor/w10/amd64/viostor.inf") }));
      expect(sha(vol)).toBe(before);
    });

    it("missing .sys: the INF line that names it", () => {
      const tree = base();
      delete tree["viostor/w10/amd64/viostor.sys"];
      expect(attempt(tree, "nosys")).toThrow(expect.objectContaining({ code: "driver-file-missing", line: expect.any(Number), message: expect.stringContaining("viostor.sys is named by the INF") }));
      expect(sha(vol)).toBe(before);
    });

    it("another build of a driver already in the image is refused unless --replace", () => {
      const tree = base();
      tree["viostor/w10/amd64/viostor.sys"] = "MZ another build\n";
      const copy = join(work, "replace.ntfs");
      writeFileSync(copy, readFileSync(vol));
      const first = join(work, "first.iso");
      makeIso(writeHostTree(join(work, "first"), base()), first, "joliet");
      const s1 = openDriverSource(first);
      addDriversToImage(copy, s1, { backupDir: work });
      s1.close();
      const installed = sha(copy);
      const other = join(work, "other.iso");
      makeIso(writeHostTree(join(work, "other"), tree), other, "joliet");
      const s2 = openDriverSource(other);
      try {
        expect(() => addDriversToImage(copy, s2, { backupDir: work })).toThrow(expect.objectContaining({ code: "driver-file-exists" }));
        expect(sha(copy)).toBe(installed);
        const replaced = addDriversToImage(copy, s2, { backupDir: work, replace: true });
        expect(replaced.result.files.find((f) => f.path.endsWith("System32/drivers/viostor.sys"))?.state).toBe("replaced");
      } finally {
        s2.close();
      }
      expect(icat(copy, "Windows/System32/drivers/viostor.sys")).toBe("MZ another build\n");
    });

    it("no package for this Windows", () => {
      const tree = { "viostor/w7/x86/viostor.inf": storageInf({ service: "viostor", description: "d", ids: ["PCI\\VEN_1AF4&DEV_1001"], decorations: ["NTx86.6.1"] }), "viostor/w7/x86/viostor.sys": "x" };
      expect(attempt(tree, "noos")).toThrow(expect.objectContaining({ code: "no-driver-for-windows", message: expect.stringMatching(/folder w7\/x86 is for another Windows/) }));
      expect(sha(vol)).toBe(before);
    });
  });
});
