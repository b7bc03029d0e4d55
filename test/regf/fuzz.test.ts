/** A short run of the mutation fuzzer (scripts/fuzz-regf.ts) plus hand-made hostile hives. */
import { describe, expect, it } from "vitest";
import { RegfError } from "../../src/errors.js";
import { Hive } from "../../src/regf/hive.js";
import { exercise, FUZZ_SEEDS, fuzzRegf } from "../../scripts/fuzz-regf.js";
import { corpusBytes, hasCorpus } from "../helpers/corpus.js";

function refusal(bytes: Uint8Array): string {
  try {
    exercise(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(RegfError);
    return (e as RegfError).code;
  }
  return "accepted";
}

describe.skipIf(!hasCorpus())("hostile hives", () => {
  it("300 mutated corpus hives: only RegfError escapes", { timeout: 30_000 }, async () => {
    const seeds = await Promise.all(FUZZ_SEEDS.map((f) => corpusBytes(f)));
    const r = fuzzRegf(seeds, 300, 12345);
    expect(r.inputs).toBe(300);
    expect(r.refused).toBeGreaterThan(10); // the mutations do reach the checks
    expect(r.accepted).toBeGreaterThan(10);
  });

  it("a subkey list pointing back at an ancestor is a cycle, not a hang", async () => {
    const bytes = new Uint8Array(await corpusBytes("hives/yarp/UnicodeHive"));
    const hive = new Hive(bytes);
    const child = hive.key("Привет\\Ключ")!;
    // Make the grandchild's (empty) subkey list the parent's list: Ключ now "contains" itself.
    const parent = hive.key("Привет")!;
    const view = new DataView(bytes.buffer);
    const nk = (k: { offset: number }) => 4096 + k.offset + 4;
    view.setUint32(nk(child) + 20, 1, true);
    view.setUint32(nk(child) + 28, view.getUint32(nk(parent) + 28, true), true);
    // Ключ is listed under itself while its parent field says Привет: the parent check sees it first.
    expect(refusal(bytes)).toBe("bad-parent");
    // Made consistent (its parent field = itself) it is listed under Привет wrongly instead.
    view.setUint32(nk(child) + 16, child.offset, true);
    expect(refusal(bytes)).toBe("bad-parent");
  });

  it("counts larger than their cells and offsets past the end are refused with the offset", async () => {
    const bytes = new Uint8Array(await corpusBytes("hives/yarp/MultiSzHive"));
    const key = new Hive(bytes).key("key")!;
    const view = new DataView(bytes.buffer);
    view.setUint32(4096 + key.offset + 4 + 36, 0x7fffffff, true); // value count
    expect(refusal(bytes)).toBe("bad-value-list");
    view.setUint32(4096 + key.offset + 4 + 36, 2, true);
    view.setUint32(4096 + key.offset + 4 + 40, 0x7ffffff8, true); // value list offset
    let err: RegfError | undefined;
    try {
      new Hive(bytes).key("key")!.values();
    } catch (e) {
      err = e as RegfError;
    }
    expect(err?.code).toBe("bad-cell-offset");
    expect(err?.offset).toBe(4096 + 0x7ffffff8);
  });
});
