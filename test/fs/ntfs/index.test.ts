import { describe, expect, it } from "vitest";
import type { ResidentAttribute } from "../../../src/fs/ntfs/attribute.js";
import { DataStream } from "../../../src/fs/ntfs/data-stream.js";
import { DirectoryIndex } from "../../../src/fs/ntfs/index.js";
import { UpCaseTable } from "../../../src/fs/ntfs/upcase.js";
import { MemoryDevice } from "../../../src/io/index.js";

const identityUpcase = () => new UpCaseTable(new Uint8Array(new Uint16Array(65536).map((_, i) => i).buffer));

/** An INDEX_ROOT value whose only entry is the last one, with a sub-node at VCN 0. */
function rootValue(): Uint8Array {
  const b = new Uint8Array(56);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x30, true); // indexes $FILE_NAME
  v.setUint32(4, 1, true); // collation FILENAME
  v.setUint32(8, 512, true); // index record size
  v.setUint32(16, 16, true); // entries start right after the node header
  v.setUint32(20, 40, true);
  v.setUint32(24, 40, true);
  v.setUint32(28, 1, true); // has INDEX_ALLOCATION
  v.setUint16(32 + 8, 24, true);
  v.setUint16(32 + 12, 3, true); // sub-node + last
  v.setBigUint64(32 + 16, 0n, true);
  return b;
}

/** One 512-byte INDX record at VCN `vcn` whose last entry points to sub-node `child`. */
function indxRecord(vcn: number, child: number): Uint8Array {
  const b = new Uint8Array(512);
  const v = new DataView(b.buffer);
  b.set(new TextEncoder().encode("INDX"), 0);
  v.setUint16(4, 0x28, true); // update sequence array offset
  v.setUint16(6, 2, true); // USN + one stride
  v.setBigUint64(16, BigInt(vcn), true);
  v.setUint32(24, 0x28, true); // entries at 24 + 0x28
  v.setUint32(28, 0x28 + 24, true);
  v.setUint32(32, 512 - 24, true);
  v.setUint16(0x28, 1, true); // USN 1 ...
  v.setUint16(510, 1, true); // ... stamped at the end of the stride (saved bytes are 0)
  const entry = 24 + 0x28;
  v.setUint16(entry + 8, 24, true);
  v.setUint16(entry + 12, 3, true);
  v.setBigUint64(entry + 16, BigInt(child), true);
  return b;
}

function indexOver(records: Uint8Array[]): DirectoryIndex {
  const allocation = new Uint8Array(records.length * 512);
  records.forEach((r, i) => allocation.set(r, i * 512));
  const attribute: ResidentAttribute = {
    type: 0xa0, name: "$I30", flags: 0, id: 0, compressed: false, encrypted: false, sparse: false, offset: 0, recordNumber: 5, resident: true, value: allocation,
  };
  const stream = new DataStream(new MemoryDevice(new Uint8Array(0)), { clusterSize: 4096, totalClusters: 0 }, [attribute], "test allocation");
  return new DirectoryIndex(rootValue(), 0, stream, Uint8Array.of(0xff), identityUpcase(), 4096, "test index");
}

describe("$I30 index walks", () => {
  it("a node that points to itself is a cycle error for listing and lookup", () => {
    const index = indexOver([indxRecord(0, 0)]);
    expect(() => index.entries()).toThrow(expect.objectContaining({ code: "index-cycle" }));
    expect(() => index.lookup("anything")).toThrow(expect.objectContaining({ code: "index-cycle" }));
  });

  it("a two-node loop is caught too; an acyclic chain is walked", () => {
    expect(() => indexOver([indxRecord(0, 1), indxRecord(1, 0)]).entries()).toThrow(expect.objectContaining({ code: "index-cycle" }));
    const chain = indexOver([indxRecord(0, 1), indxRecord(1, 2), indxRecord(2, 3), indxRecord(3, 0)]);
    expect(() => chain.lookup("x")).toThrow(expect.objectContaining({ code: "index-cycle" }));
  });

  it("a sub-node VCN past the allocation, or a torn node, is refused", () => {
    const records = [indxRecord(0, 1)];
    expect(() => indexOver(records).entries()).toThrow(expect.objectContaining({ code: "bad-index" }));
    const torn = indxRecord(0, 0);
    torn[510] = 7;
    expect(() => indexOver([torn]).entries()).toThrow(expect.objectContaining({ code: "torn-record" }));
  });
});
