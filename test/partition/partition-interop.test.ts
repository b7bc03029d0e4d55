/**
 * Partition lists compared with sfdisk --json (512-byte sectors) and mmls -b 4096, on the
 * corpus disks and the generated fixtures.
 */
import { describe, expect, it } from "vitest";
import { FileDevice, MemoryDevice } from "../../src/io/index.js";
import { readPartitionTable, type PartitionTable } from "../../src/partition/index.js";
import { readFileSync } from "node:fs";
import { corpusFile, corpusPath, hasCorpus, noCorpusReason } from "../helpers/corpus.js";
import { runTool, toolsAvailable } from "../helpers/interop.js";
import { fixtureFile } from "../helpers/fixtures.js";

interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  uuid?: string;
  name?: string;
  attrs?: string;
  bootable?: boolean;
}

/** GPT attribute bits written the way sfdisk prints them. */
function sfdiskAttrs(hex: string): string | undefined {
  const bits = BigInt(hex);
  const words: string[] = [];
  const named = ["RequiredPartition", "NoBlockIOProtocol", "LegacyBIOSBootable"];
  named.forEach((name, bit) => {
    if (bits & (1n << BigInt(bit))) words.push(name);
  });
  const guidBits = [...Array(16).keys()].map((i) => i + 48).filter((bit) => bits & (1n << BigInt(bit)));
  if (guidBits.length) words.push(`GUID:${guidBits.join(",")}`);
  return words.length ? words.join(" ") : undefined;
}

function sfdisk(path: string): { label: string; id: string; partitions: SfdiskPartition[] } {
  const r = runTool("sfdisk", ["--json", path]);
  expect(r.status, r.stderr).toBe(0);
  const table = JSON.parse(r.stdout.toString()).partitiontable;
  return { label: table.label, id: table.id, partitions: table.partitions ?? [] };
}

/** Our table in sfdisk's terms: node number, start, size, type as sfdisk prints it. */
function asSfdisk(table: PartitionTable) {
  return table.partitions.map((p) => ({
    index: p.index,
    start: p.startSector,
    size: p.sectorCount,
    type: typeof p.type === "number" ? p.type.toString(16) : p.type,
    ...(p.guid ? { uuid: p.guid } : {}),
    ...(p.name ? { name: p.name } : {}),
    ...(p.attributes && sfdiskAttrs(p.attributes) ? { attrs: sfdiskAttrs(p.attributes) } : {}),
    ...(p.bootable ? { bootable: true } : {}),
  }));
}

function expectSameAsSfdisk(path: string, table: PartitionTable): void {
  const expected = sfdisk(path);
  expect(table.scheme).toBe(expected.label === "dos" ? "mbr" : expected.label);
  expect(table.diskGuid?.toLowerCase()).toBe(expected.id.toLowerCase());
  expect(asSfdisk(table)).toEqual(
    expected.partitions.map((p) => ({
      index: Number(/(\d+)$/.exec(p.node)![1]),
      start: p.start,
      size: p.size,
      type: p.type.toLowerCase() === p.type ? p.type : p.type.toUpperCase(),
      ...(p.uuid ? { uuid: p.uuid } : {}),
      ...(p.name ? { name: p.name } : {}),
      ...(p.attrs ? { attrs: p.attrs } : {}),
      ...(p.bootable ? { bootable: true } : {}),
    })),
  );
  for (const p of table.partitions) {
    expect(p.start).toBe(p.startSector * table.sectorSize);
    expect(p.size).toBe(p.sectorCount * table.sectorSize);
  }
}

const corpusDisks = [
  "images/dfir_ntfs/gpt-512-3p.raw.gz",
  "images/dfir_ntfs/gpt-512-0p.raw.gz",
  "images/dfir_ntfs/mbr-512-p0.bin",
  "images/dfir_ntfs/mbr-512-p1.bin",
  "images/dfir_ntfs/mbr-512-p4.bin",
  "images/dfir_ntfs/mbr-512-p1e2.bin.gz",
  "images/dfir_ntfs/mbr-4096-p1e0.bin.gz",
  "images/dfir_ntfs/ntfs_index.raw.gz",
  "images/plaso/tsk_volume_system.raw",
];

describe.skipIf(!hasCorpus())(`corpus disks vs sfdisk (${noCorpusReason})`, () => {
  const enabled = toolsAvailable("sfdisk");
  for (const rel of corpusDisks) {
    it.skipIf(!enabled)(rel, async () => {
      const path = await corpusFile(rel);
      const device = new FileDevice(path);
      try {
        expectSameAsSfdisk(path, readPartitionTable(device));
      } finally {
        device.close();
      }
    });
  }

  it.skipIf(!toolsAvailable("mmls"))("tsk_volume_system.raw matches mmls (logical partition inside the extended one)", async () => {
    const path = await corpusFile("images/plaso/tsk_volume_system.raw");
    const mmls = runTool("mmls", [path]).stdout.toString();
    const rows = [...mmls.matchAll(/^\d+:\s+\d+:\d+\s+(\d+)\s+\d+\s+(\d+)\s+.*\(0x([0-9a-f]{2})\)/gm)].map((m) => [Number(m[1]), Number(m[2]), parseInt(m[3], 16)]);
    expect(rows.length).toBe(2);
    const table = readPartitionTable(new FileDevice(path));
    expect(table.partitions.filter((p) => p.type !== 5).map((p) => [p.startSector, p.sectorCount, p.type])).toEqual(rows);
    expect(table.partitions.find((p) => p.index === 5)?.logical).toBe(true);
  });

  it("mbr-512-p4.bin lists partitions past the end of its 1 KiB image, with warnings, and refuses their bytes", async () => {
    const table = readPartitionTable(new FileDevice(await corpusFile("images/dfir_ntfs/mbr-512-p4.bin")));
    expect(table.partitions).toHaveLength(4);
    expect(table.warnings.filter((w) => w.includes("past the end"))).toHaveLength(4);
    expect(() => table.partitions[3].device).toThrowError(expect.objectContaining({ code: "partition-beyond-disk" }));
  });

  it("a 4Kn MBR is read in 4096-byte units when the sector size is given", async () => {
    const table = readPartitionTable(new FileDevice(await corpusFile("images/dfir_ntfs/mbr-4096-p1e0.bin.gz")), { sectorSize: 4096 });
    expect(table.sectorSize).toBe(4096);
    expect(table.partitions.map((p) => [p.index, p.start, p.size, p.type])).toEqual([
      [1, 4096, 125 * 4096, 0x83],
      [2, 126 * 4096, 130 * 4096, 0x05],
    ]);
  });

  it("bare NTFS volumes (with and without 0x55AA) are unpartitioned, not MBR disks", async () => {
    for (const rel of ["images/ColinFinck-ntfs/testfs1", "images/dfir_ntfs/nobootcode.boot", "images/dfir_ntfs/512.boot"]) {
      const bytes = new Uint8Array(readFileSync(corpusPath(rel)));
      const table = readPartitionTable(new MemoryDevice(bytes));
      expect(table.scheme, rel).toBe("none");
      expect(table.partitions).toHaveLength(1);
      expect(table.partitions[0].start).toBe(0);
      expect(table.partitions[0].size).toBe(bytes.length);
      expect(table.partitions[0].typeName).toContain("ntfs");
    }
    const ntfsBoot = readFileSync(corpusPath("images/dfir_ntfs/512.boot"));
    expect(ntfsBoot[510]).toBe(0x55); // looks like an MBR signature...
    expect(ntfsBoot[511]).toBe(0xaa); // ...and is still recognised as a volume
  });
});

describe("generated fixtures vs sfdisk / mmls", () => {
  const sfdiskOk = toolsAvailable("sfdisk");
  for (const name of ["mbr-extended", "gpt-512", "gpt-grown"]) {
    it.skipIf(!sfdiskOk)(`${name}.img matches sfdisk --json`, () => {
      const path = fixtureFile(`partition/${name}.img`);
      expectSameAsSfdisk(path, readPartitionTable(new FileDevice(path)));
    });
  }

  it.skipIf(!toolsAvailable("mmls"))("gpt-4096.img (4096-byte sectors, detected) matches mmls -b 4096", () => {
    const path = fixtureFile("partition/gpt-4096.img");
    const mmls = runTool("mmls", ["-b", "4096", "-t", "gpt", path]).stdout.toString();
    const rows = [...mmls.matchAll(/^\d+:\s+(\d{3})\s+(\d+)\s+\d+\s+(\d+)/gm)].map((m) => [Number(m[1]) + 1, Number(m[2]), Number(m[3])]);
    expect(rows.length).toBe(2);
    const table = readPartitionTable(new FileDevice(path));
    expect(table.scheme).toBe("gpt");
    expect(table.sectorSize).toBe(4096);
    expect(table.partitions.map((p) => [p.index, p.startSector, p.sectorCount])).toEqual(rows);
    expect(table.partitions.map((p) => p.typeName)).toEqual(["EFI System", "Microsoft basic data"]);
    expect(table.warnings).toEqual([]);
  });

  it("gpt-grown.img finds its backup header through AlternateLBA, not on the last sector", () => {
    const path = fixtureFile("partition/gpt-grown.img");
    const device = new FileDevice(path);
    const table = readPartitionTable(device);
    expect(table.warnings).toEqual([]); // primary valid, backup found where the primary says
    // The last sector holds no header: the backup is 2 MiB before the end.
    expect(Buffer.from(device.read(device.size - 512, 8)).toString("latin1")).not.toBe("EFI PART");
    expect(Buffer.from(device.read(4 * 1024 * 1024 - 512, 8)).toString("latin1")).toBe("EFI PART");
  });

  it("bare FAT volumes are unpartitioned disks, not MBRs (their boot sectors end in 0x55AA too)", () => {
    for (const type of ["fat12", "fat16", "fat32"]) {
      const device = new FileDevice(fixtureFile(`fat/${type}.img`));
      expect(Buffer.from(device.read(510, 2)).toString("hex")).toBe("55aa");
      const table = readPartitionTable(device);
      expect(table.scheme).toBe("none");
      expect(table.partitions.map((p) => [p.start, p.size, p.typeName])).toEqual([[0, device.size, "Unpartitioned volume (fat)"]]);
    }
  });

  it("the Windows GPT layout gets Windows type names", () => {
    const table = readPartitionTable(new FileDevice(fixtureFile("partition/gpt-512.img")));
    expect(table.partitions.map((p) => p.typeName)).toEqual(["EFI System", "Microsoft reserved", "Microsoft basic data", "Windows Recovery"]);
    expect(table.partitions[0].name).toBe("EFI system partition");
  });
});
