/** Short runs of the .reg import and hive editor fuzzers (scripts/fuzz-*.ts): no failure. */
import { describe, expect, it } from "vitest";
import { fuzzHiveEdit } from "../../scripts/fuzz-hive-edit.js";
import { fuzzRegImport } from "../../scripts/fuzz-reg-import.js";

describe("fuzz targets, short runs", () => {
  it(".reg parser/import: typed errors only, export → import → export equal", () => {
    const r = fuzzRegImport(200, 7);
    expect(r.firstFailure).toBeUndefined();
    expect(r.inputs).toBe(200);
    expect(r.refused).toBeGreaterThan(5); // the mutations reach the parser's checks
    expect(r.refused).toBeLessThan(190);
  });

  it("hive editor/serializer: checkHive passes, the hive reads back as edited (hivex sampled)", () => {
    const r = fuzzHiveEdit(60, 11, Infinity, 20);
    expect(r.firstFailure).toBeUndefined();
    expect(r.inputs).toBe(60);
  });
});
