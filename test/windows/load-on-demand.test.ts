/**
 * loadWindows reads clean hives on demand (only the cells the model visits): the report is the
 * same as from hives read whole, for a folder of hive files and for a mounted Windows root, and
 * the hive files are released by close().
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openHiveFile } from "../../src/regf/open.js";
import { inspectWindows } from "../../src/windows/inspect.js";
import { loadWindows } from "../../src/windows/load.js";
import { corpusFile, hasCorpus, noCorpusReason } from "../helpers/corpus.js";

const SYSTEMS = ["regipy/SYSTEM.xz", "dissect.regf/SYSTEM.gz", "dfwinreg/SYSTEM"];

describe.skipIf(!hasCorpus())(`loadWindows on demand (${hasCorpus() ? "" : noCorpusReason})`, () => {
  const work = mkdtempSync(join(tmpdir(), "p2vfix-load-on-demand-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const rel of SYSTEMS) {
    it(`${rel}: same report as the hive read whole, as a folder and as a mounted root`, async () => {
      const hive = await corpusFile(`hives/${rel}`);
      const folder = join(work, rel.replace(/\W/g, "_"));
      const config = join(folder, "root/Windows/System32/config");
      mkdirSync(config, { recursive: true });
      copyFileSync(hive, join(folder, "SYSTEM"));
      copyFileSync(hive, join(config, "SYSTEM"));
      const whole = openHiveFile(join(folder, "SYSTEM"), { useLogs: false });
      const expected = inspectWindows({ system: whole.root(), sources: { system: join(folder, "SYSTEM") }, warnings: [] }, { target: "kvm" });

      const fromFolder = loadWindows(folder, { useLogs: false });
      expect(inspectWindows(fromFolder.hives, { ...fromFolder.options, target: "kvm" })).toEqual(expected);
      fromFolder.close();
      // Closed: what the model did not visit can no longer be read.
      expect(() => {
        for (const key of fromFolder.hives.system.subkeys()) for (const sub of key.subkeys()) sub.values();
      }).toThrow(expect.objectContaining({ code: "closed" }));

      // A mounted root also answers the model's file questions (driver files, hiberfil.sys).
      const fromRoot = loadWindows(join(folder, "root"), { useLogs: false });
      const report = inspectWindows(fromRoot.hives, { ...fromRoot.options, target: "kvm" });
      const expectedRoot = inspectWindows({ system: whole.root(), sources: fromRoot.hives.sources, warnings: [] }, { ...fromRoot.options, target: "kvm" });
      fromRoot.close();
      expect(report).toEqual(expectedRoot);
    });
  }
});
