import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { P2vfixError } from "../../../src/errors.js";
import { AttributeType, type Attribute } from "../../../src/fs/ntfs/attribute.js";
import { parseAttributeList } from "../../../src/fs/ntfs/attribute-list.js";
import { parseFileName } from "../../../src/fs/ntfs/file-name.js";
import { parseMftRecord, type MftRecord } from "../../../src/fs/ntfs/mft-record.js";
import { decodeRunlist } from "../../../src/fs/ntfs/runlist.js";
import { parseStandardInformation } from "../../../src/fs/ntfs/standard-information.js";
import { corpusPath, hasCorpus } from "../../helpers/corpus.js";
import { runTool, toolsAvailable } from "../../helpers/interop.js";
import { fixtureBytes } from "./helpers.js";

const corpus = (name: string) => new Uint8Array(readFileSync(corpusPath(`images/dfir_ntfs/${name}`)));
const value = (a: Attribute | undefined) => (a?.resident ? a.value : new Uint8Array(0));

/** Record n of an $MFT extract, or undefined where the slot holds no FILE record. */
function recordAt(mft: Uint8Array, n: number): MftRecord | undefined {
  const raw = mft.subarray(n * 1024, (n + 1) * 1024);
  if (raw.every((b) => b === 0)) return undefined;
  return parseMftRecord(raw, n, n * 1024);
}

describe.skipIf(!hasCorpus())("MFT records (corpus extracts)", () => {
  it("frs.bin: fixups applied, attributes and names read", () => {
    const record = parseMftRecord(corpus("frs.bin"), 0);
    expect(record.inUse).toBe(true);
    const types = record.attributes.map((a) => a.type);
    expect(types).toContain(AttributeType.standardInformation);
    const fn = record.attributes.find((a) => a.type === AttributeType.fileName);
    expect(parseFileName(value(fn)).name.length).toBeGreaterThan(0);
  });

  it("detects a torn record (a sector whose last bytes differ from the update sequence number)", () => {
    const bytes = corpus("frs.bin");
    bytes[1022] ^= 0xff;
    expect(() => parseMftRecord(bytes, 7, 7 * 1024)).toThrow(expect.objectContaining({ code: "torn-record", offset: 7 * 1024 + 1022 }));
  });

  it("reads a base reference past 2^32 whole (record number of 48 bits, sequence of 16)", () => {
    const bytes = corpus("frs.bin");
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(32, (0xfedcn << 48n) | 0xba98_7654_3210n, true);
    expect(parseMftRecord(bytes, 0).baseReference).toEqual({ record: 0xba98_7654_3210, sequence: 0xfedc });
  });

  it("refuses BAAD records and foreign signatures", () => {
    const bytes = corpus("frs.bin");
    bytes.set(new TextEncoder().encode("BAAD"), 0);
    expect(() => parseMftRecord(bytes, 3)).toThrow(/BAAD/);
    bytes.set(new TextEncoder().encode("INDX"), 0);
    expect(() => parseMftRecord(bytes, 3)).toThrow(expect.objectContaining({ code: "bad-record" }));
  });

  it("compressed_sparse.mft: compression units and sparse runs in the data runs", () => {
    const mft = corpus("compressed_sparse.mft");
    let compressed = 0;
    let sparse = 0;
    for (let n = 0; n < 256; n++) {
      const record = recordAt(mft, n);
      const data = record?.attributes.find((a) => a.type === AttributeType.data && a.name === "" && !a.resident);
      if (!data || data.resident) continue;
      const runs = decodeRunlist(data.mappingPairs, data.lowestVcn, data.mappingPairsOffset);
      if (data.compressed) {
        compressed++;
        expect(data.compressionUnit).toBe(4);
        expect(runs.some((r) => r.lcn === null)).toBe(true);
      }
      if (data.sparse) {
        sparse++;
        expect(runs.some((r) => r.lcn === null)).toBe(true);
      }
    }
    expect(compressed).toBeGreaterThan(0);
    expect(sparse).toBeGreaterThan(0);
  });

  it("deleted.mft: records not in use are parsed and flagged", () => {
    const mft = corpus("deleted.mft");
    const notInUse = Array.from({ length: 256 }, (_, n) => recordAt(mft, n)).filter((r) => r && !r.inUse);
    expect(notInUse.length).toBeGreaterThan(0);
  });
});

/** fsntfsinfo -E all output, per entry: undefined (empty) or what we compare. */
interface LibfsntfsEntry {
  allocated: boolean;
  reference: string;
  base: string;
  attributes: Array<{ type: number; fields: Map<string, string> }>;
}

function parseFsntfsinfo(text: string): Map<number, LibfsntfsEntry | undefined> {
  const out = new Map<number, LibfsntfsEntry | undefined>();
  for (const block of text.split(/^MFT entry: /m).slice(1)) {
    const n = Number(block.slice(0, block.indexOf(" ")));
    if (/^\tIs empty/m.test(block)) {
      out.set(n, undefined);
      continue;
    }
    const field = (name: string) => block.match(new RegExp(`^\\t${name}\\s*: (.*)$`, "m"))?.[1] ?? "";
    const attributes = block
      .split(/^Attribute: \d+$/m)
      .slice(1)
      .map((a) => {
        const fields = new Map<string, string>();
        for (const m of a.matchAll(/^\t([^\t:][^:]*?)\s*: (.*)$/gm)) if (!fields.has(m[1])) fields.set(m[1], m[2]);
        return { type: parseInt(fields.get("Type")!.match(/\(0x([0-9a-f]+)\)/)![1], 16), fields };
      });
    out.set(n, { allocated: field("Is allocated") === "true", reference: field("File reference"), base: field("Base record file reference"), attributes });
  }
  return out;
}

describe.skipIf(!hasCorpus() || !toolsAvailable("fsntfsinfo"))("MFT records against libfsntfs (fsntfsinfo -E all)", () => {
  it.each(["unicode.mft", "compressed_sparse.mft", "deleted.mft"])("%s: every record's flags, references, attributes, names and data sizes", (file) => {
    const result = runTool("fsntfsinfo", ["-E", "all", corpusPath(`images/dfir_ntfs/${file}`)]);
    expect(result.status).toBe(0);
    const theirs = parseFsntfsinfo(result.stdout.toString("utf8"));
    expect(theirs.size).toBe(256);
    const mft = corpus(file);
    let compared = 0;
    for (const [n, entry] of theirs) {
      const ours = recordAt(mft, n);
      if (!entry) {
        expect(ours, `record ${n}`).toBeUndefined();
        continue;
      }
      expect(ours, `record ${n}`).toBeDefined();
      const record = ours!;
      expect(record.inUse, `record ${n} allocated`).toBe(entry.allocated);
      expect(`${n}-${record.sequence}`).toBe(entry.reference);
      expect(record.baseReference.record === 0 ? "Not set (0)" : `${record.baseReference.record}-${record.baseReference.sequence}`).toBe(entry.base);
      expect(record.attributes.map((a) => a.type), `record ${n} attribute types`).toEqual(entry.attributes.map((a) => a.type));
      record.attributes.forEach((a, i) => {
        const fields = entry.attributes[i].fields;
        if (a.type === AttributeType.fileName) {
          const fn = parseFileName(value(a));
          expect(fn.name, `record ${n} name`).toBe(fields.get("Name"));
          expect(`(${fn.namespace})`).toBe(fields.get("Name space")!.match(/\(\d\)/)![0]);
        }
        if (a.type === AttributeType.data && fields.has("Data size")) {
          const size = a.resident ? a.value.length : a.dataSize;
          expect(`${size} bytes`, `record ${n} data size`).toBe(fields.get("Data size"));
        }
        if (a.type === AttributeType.data && fields.has("Data flags")) {
          expect(parseInt(fields.get("Data flags")!, 16), `record ${n} data flags`).toBe(a.flags);
        }
        if (a.type === AttributeType.standardInformation && fields.has("File attribute flags")) {
          expect(parseStandardInformation(value(a)).fileAttributes).toBe(parseInt(fields.get("File attribute flags")!, 16));
        }
        if (a.type === AttributeType.attributeList) expect(parseAttributeList(value(a)).length).toBeGreaterThan(0);
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe("MFT records (fixture)", () => {
  it("gives a typed error for any corruption of a real record, never a crash", () => {
    const volume = fixtureBytes("windows");
    const mftStart = new DataView(volume.buffer, volume.byteOffset).getUint32(48, true) * 4096;
    const original = volume.slice(mftStart + 5 * 1024, mftStart + 6 * 1024); // the root directory
    expect(parseMftRecord(original, 5).isDirectory).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1023), fc.nat(255)), { minLength: 1, maxLength: 6 }), (edits) => {
        const bytes = original.slice();
        for (const [at, v] of edits) bytes[at] = v;
        try {
          parseMftRecord(bytes, 5);
        } catch (err) {
          expect(err).toBeInstanceOf(P2vfixError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
