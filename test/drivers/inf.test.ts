/**
 * INF parsing and resolution for one Windows, on INFs written from the INF documentation
 * (inf-fixtures.ts): syntax (comments, quotes, continuation, [Strings]), decorations
 * (architecture, version, product type, build), services, files and AddReg, and bad input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InfError } from "../../src/errors.js";
import { parseInf } from "../../src/drivers/inf.js";
import { resolveInf, type ResolvedInf } from "../../src/drivers/inf-package.js";
import { parseDecoration, type TargetOs } from "../../src/drivers/target-os.js";
import { netInf, pvscsiTree, storageInf } from "./inf-fixtures.js";

const enc = (s: string) => new TextEncoder().encode(s);
const server2019: TargetOs = { arch: "amd64", major: 10, minor: 0, build: 17763, productType: 3 };
const win10: TargetOs = { arch: "amd64", major: 10, minor: 0, build: 19045, productType: 1 };
const win7x86: TargetOs = { arch: "x86", major: 6, minor: 1, build: 7601, productType: 1 };
const resolved = (r: ReturnType<typeof resolveInf>) => {
  if ("rejected" in r) throw new Error(r.rejected.join("; "));
  return r as ResolvedInf;
};

describe("INF syntax", () => {
  const inf = parseInf(enc(storageInf({ service: "viostor", description: "VirtIO; \"\"blk\"\"", ids: ["PCI\\VEN_1AF4&DEV_1001"], decorations: ["NTamd64.10.0.3..17763"] })), "viostor.inf");

  it("[Version], [Strings] substitution, quotes, %% and comments", () => {
    expect(inf.entry("Version", "Class")?.values).toEqual(["SCSIAdapter"]);
    expect(inf.entry("Version", "Provider")?.values).toEqual(["Test Virtio Vendor"]);
    expect(inf.section("viostor_EventLog_AddReg")!.entries[0].values).toEqual(["HKR", "", "EventMessageFile", "0x00020000", "%SystemRoot%\\System32\\IoLogMsg.dll"]);
    expect(inf.entry("viostor_Service_Inst", "StartType")?.values).toEqual(["0"]);
    expect(inf.string("viostor.DeviceDesc")).toBe('VirtIO; "blk"');
    const note = inf.section("viostor_parameters")!.entries[1];
    expect(note.values.at(-1)).toBe('a "quoted" word; not a comment');
  });

  it("a line ending in \\ continues on the next one", () => {
    const e = inf.entry("viostor_Service_Inst", "AddReg")!;
    expect(e.values).toEqual(["pnpsafe_pci_addreg", "viostor_parameters"]);
  });

  it("UTF-16LE with a BOM reads the same", () => {
    const text = storageInf({ service: "vioscsi", description: "x", ids: ["PCI\\VEN_1AF4&DEV_1004"], decorations: ["NTamd64.10.0"] });
    const u16 = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, "utf16le")]);
    expect(parseInf(u16, "u16.inf").entry("Version", "CatalogFile")?.values).toEqual(["vioscsi.cat"]);
  });

  it("syntax errors name the file and line", () => {
    const bad = (text: string) => () => parseInf(enc(text), "bad.inf");
    expect(bad("[Version]\nSignature=\"$WINDOWS NT$\"\n[Strings\nA=1\n")).toThrow(expect.objectContaining({ code: "inf-bad-section", line: 3, path: "bad.inf" }));
    expect(bad("[Version]\nClass = \"unterminated\n")).toThrow(expect.objectContaining({ code: "inf-unterminated-string", line: 2 }));
    expect(bad("Class = x\n[Version]\n")).toThrow(expect.objectContaining({ code: "inf-entry-outside-section", line: 1 }));
    expect(bad("[Version]\n\u0000")).toThrow(InfError);
    expect(new InfError("x", "y", { path: "bad.inf", line: 3 }).describe()).toContain("bad.inf:3");
  });
});

describe("TargetOSVersion decorations", () => {
  it("parses the documented fields", () => {
    expect(parseDecoration("NTamd64.10.0...17763")).toEqual({ text: "NTamd64.10.0...17763", arch: "amd64", major: 10, minor: 0, build: 17763 });
    expect(parseDecoration("NTx86.6.1.0x1")).toMatchObject({ arch: "x86", major: 6, minor: 1, productType: 1 });
    expect(parseDecoration("NT")).toEqual({ text: "NT" });
    expect(parseDecoration("Win7")).toBeUndefined();
  });

  it("VMware-like INF: the closest decoration for the image wins, never another architecture", () => {
    const inf = parseInf(enc(pvscsiTree()["pvscsi/pvscsi.inf"] as string), "pvscsi.inf");
    expect(resolved(resolveInf(inf, server2019)).modelsSection).toBe("VirtIO.NTamd64.10.0...17763");
    expect(resolved(resolveInf(inf, { ...server2019, build: 14393 })).modelsSection).toBe("VirtIO.NTamd64.6.1");
    expect(resolved(resolveInf(inf, win7x86)).modelsSection).toBe("VirtIO.NTx86.6.1");
    const arm = resolveInf(inf, { ...win10, arch: "arm64" });
    expect("rejected" in arm && arm.rejected.join("\n")).toMatch(/for amd64, the image is arm64/);
  });

  it("product type: a server INF is not used for a client and the reverse", () => {
    const serverOnly = parseInf(enc(storageInf({ service: "viostor", description: "d", ids: ["PCI\\VEN_1AF4&DEV_1001"], decorations: ["NTamd64.10.0.3..17763"] })), "s.inf");
    expect(resolved(resolveInf(serverOnly, server2019)).modelsSection).toBe("VirtIO.NTamd64.10.0.3..17763");
    const client = resolveInf(serverOnly, win10);
    expect("rejected" in client && client.rejected[0]).toMatch(/product type 3 \(server\), the image is a workstation/);
  });
});

describe("INF resolution: services, files, AddReg", () => {
  const inf = parseInf(enc(storageInf({ service: "viostor", description: "VirtIO SCSI", ids: ["PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"], decorations: ["NTamd64.10.0"] })), "viostor.inf");
  const r = resolved(resolveInf(inf, server2019));

  it("the device, its install section and hardware ids", () => {
    expect(r.className).toBe("SCSIAdapter");
    expect(r.classGuid).toBe("{4D36E97B-E325-11CE-BFC1-08002BE10318}");
    expect(r.catalogFile).toBe("viostor.cat");
    expect(r.driverVer).toBe("06/18/2024,100.95.104.26200");
    expect(r.devices).toEqual([{ description: "VirtIO SCSI", hardwareIds: ["PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"], installSection: "viostor_inst", line: expect.any(Number) }]);
  });

  it("AddService and its service-install section", () => {
    expect(r.services).toHaveLength(1);
    const s = r.services[0];
    expect(s).toMatchObject({ name: "viostor", associated: true, serviceType: 1, startType: 0, errorControl: 1, serviceBinary: "%12%\\viostor.sys", loadOrderGroup: "SCSI miniport", displayName: "VirtIO SCSI Service" });
    const regs = s.addReg.map((a) => [a.root, a.subkey, a.name, a.type]);
    expect(regs).toEqual([
      ["HKR", "Parameters\\PnpInterface", "5", 4],
      ["HKR", "Parameters", "BusType", 4],
      ["HKR", "Parameters\\Device", "PhysicalBreaks", 4],
      ["HKR", "Parameters", "Note", 1],
    ]);
    expect(Buffer.from(s.addReg[2].data).readUInt32LE(0)).toBe(0x20);
    expect(Buffer.from(s.addReg[3].data).toString("utf16le")).toBe('a "quoted" word; not a comment\u0000');
  });

  it("CopyFiles with DestinationDirs 12 and the source from [SourceDisksFiles]", () => {
    expect(r.files).toEqual([{ name: "viostor.sys", source: "viostor.sys", dirid: 12, subdir: "", line: expect.any(Number) }]);
  });

  it("what is not applied offline is reported: the .HW section, unknown directives", () => {
    expect(r.issues.join("\n")).toMatch(/viostor_inst\.HW/);
    expect(r.issues.join("\n")).toMatch(/event-log section \[viostor_EventLog_Inst\]/);
    const net = resolved(resolveInf(parseInf(enc(netInf()), "netkvm.inf"), server2019));
    expect(net.issues.join("\n")).toMatch(/\*IfType is not understood/);
    expect(net.services[0]).toMatchObject({ name: "netkvm", startType: 3 });
  });

  it("a missing section or an unlisted file is an error with the line", () => {
    const text = storageInf({ service: "viostor", description: "d", ids: ["PCI\\VEN_1AF4&DEV_1001"], decorations: ["NTamd64.10.0"] });
    const noSource = parseInf(enc(text.replace("viostor.sys = 1,,", "other.sys = 1,,")), "v.inf");
    expect(() => resolveInf(noSource, server2019)).toThrow(expect.objectContaining({ code: "inf-file-not-listed", path: "v.inf" }));
    // An INF is input: names and source paths that would leave the package are refused.
    const escape = parseInf(enc(text.replace('1 = %DiskId1%,,,""', '1 = %DiskId1%,,,"..\\..\\etc"')), "v.inf");
    expect(() => resolveInf(escape, server2019)).toThrow(expect.objectContaining({ code: "inf-bad-source-path" }));
    const dest = parseInf(enc(text.replace("viostor.sys,,,2", "..\\config\\SYSTEM,viostor.sys,,2")), "v.inf");
    expect(() => resolveInf(dest, server2019)).toThrow(expect.objectContaining({ code: "inf-bad-file-name" }));
    const cat = parseInf(enc(text.replace("CatalogFile = viostor.cat", "CatalogFile = ../x.cat")), "v.inf");
    expect(() => resolveInf(cat, server2019)).toThrow(expect.objectContaining({ code: "inf-bad-file-name" }));
    const noService = parseInf(enc(text.replace("[viostor_Service_Inst]", "[renamed]")), "v.inf");
    expect(() => resolveInf(noService, server2019)).toThrow(expect.objectContaining({ code: "inf-missing-section", line: expect.any(Number) }));
  });
});

describe("INF robustness", () => {
  it("property: damaged INF text gives InfError or a result, never another exception", () => {
    const seed = storageInf({ service: "viostor", description: "d", ids: ["PCI\\VEN_1AF4&DEV_1001"], decorations: ["NTamd64.10.0", "NTx86.6.1"] });
    const pieces = ["[", "]", '"', ";", "\\\r\n", "%", ",", "=", "\r\n", "[Strings]\r\n", "%12%", "0x", "@"];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(seed.length), fc.nat(Math.floor(seed.length / 8)), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 8 }), (edits) => {
        let text = seed;
        for (const [at, cut, piece] of edits) text = text.slice(0, at) + piece + text.slice(Math.min(text.length, at + cut));
        try {
          const inf = parseInf(enc(text), "fuzz.inf");
          for (const os of [server2019, win7x86]) resolveInf(inf, os);
        } catch (err) {
          if (!(err instanceof InfError)) throw err;
        }
      }),
      { numRuns: 500, seed: 14 },
    );
  });
});
