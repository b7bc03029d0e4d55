/**
 * The build's validated copy of the knowledge files (data/*.yaml, data/fixups/*.yaml): equal to
 * what parsing and validating gives, used only while the bytes match, and a run of the built
 * `p2vfix inspect` with unchanged files loads neither yaml nor zod.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../../src/cli/output.js";
import { NotFoundError } from "../../src/errors.js";
import { compileFixupKnowledge, loadFixupKnowledge } from "../../src/fixups/knowledge.js";
import { fixupKnowledgeValidators } from "../../src/fixups/knowledge-schema.js";
import { readCompiledData, sha256Hex, type CompiledData } from "../../src/util/compiled-data.js";
import { compileKnowledge, dataDir, knowledge, loadKnowledge } from "../../src/windows/knowledge.js";
import { knowledgeValidators } from "../../src/windows/knowledge-schema.js";
import type { InspectReport } from "../../src/windows/schema.js";

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "p2vfix-knowledge-compiled-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A private copy of data/'s knowledge files, to edit. */
function dataCopy(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "fixups"), { recursive: true });
  for (const f of Object.keys(knowledgeValidators)) copyFileSync(join(dataDir, f), join(dir, f));
  for (const f of Object.keys(fixupKnowledgeValidators)) copyFileSync(join(dataDir, "fixups", f), join(dir, "fixups", f));
  return dir;
}

/** A JSON round trip, as the copy takes through dist/. */
const viaJson = (c: CompiledData): CompiledData => JSON.parse(JSON.stringify(c)) as CompiledData;

/** The copy with one file's value replaced by a marker: seeing the marker proves the copy was used. */
function marked(c: CompiledData, file: string): CompiledData {
  const copy = viaJson(c);
  copy.files[file].value = { marker: file };
  return copy;
}

describe("compiled knowledge", () => {
  it("equals the parsed and validated files, file by file (strictly, after JSON)", () => {
    const compiled = viaJson(compileKnowledge(dataDir));
    expect(Object.keys(compiled.files).sort()).toEqual(Object.keys(knowledgeValidators).sort());
    for (const [file, validate] of Object.entries(knowledgeValidators)) {
      expect(compiled.files[file].value, file).toStrictEqual(validate(readFileSync(join(dataDir, file), "utf8")));
    }
    expect(loadKnowledge(dataDir, compiled)).toStrictEqual(loadKnowledge(dataDir, undefined));
    expect(loadKnowledge(dataDir, compiled)).toStrictEqual(knowledge());

    const fixups = viaJson(compileFixupKnowledge(join(dataDir, "fixups")));
    for (const [file, validate] of Object.entries(fixupKnowledgeValidators)) {
      expect(fixups.files[file].value, file).toStrictEqual(validate(readFileSync(join(dataDir, "fixups", file), "utf8")));
    }
    expect(loadFixupKnowledge(join(dataDir, "fixups"), fixups)).toStrictEqual(loadFixupKnowledge(join(dataDir, "fixups"), undefined));
  });

  it("the copies `npm run build` wrote into dist/ equal the validated files they were made from", () => {
    const copies = [
      { path: join(root, "dist/windows/knowledge.compiled.json"), dir: dataDir, validators: knowledgeValidators },
      { path: join(root, "dist/fixups/knowledge.compiled.json"), dir: join(dataDir, "fixups"), validators: fixupKnowledgeValidators },
    ];
    for (const { path, dir, validators } of copies) {
      const compiled = readCompiledData(path);
      if (compiled === undefined) continue; // not built (the vitest run itself needs no dist/)
      expect(Object.keys(compiled.files).sort()).toEqual(Object.keys(validators).sort());
      for (const [file, validate] of Object.entries(validators)) {
        const bytes = readFileSync(join(dir, file));
        // A data file edited since the build is the slow path's business, not the copy's.
        if (compiled.files[file].sha256 !== sha256Hex(bytes)) continue;
        expect(compiled.files[file].value, file).toStrictEqual(validate(bytes.toString("utf8")));
      }
    }
  });

  it("is used while the bytes match, and an edited file is parsed again", () => {
    const dir = dataCopy("edited");
    const compiled = compileKnowledge(dir);
    expect(loadKnowledge(dir, marked(compiled, "ncsi.yaml")).ncsi).toEqual({ marker: "ncsi.yaml" });

    writeFileSync(join(dir, "ncsi.yaml"), readFileSync(join(dir, "ncsi.yaml"), "utf8").replace(/defaultEnableActiveProbing: *\d+/, "defaultEnableActiveProbing: 7"));
    const k = loadKnowledge(dir, marked(compiled, "ncsi.yaml"));
    expect(k.ncsi.defaultEnableActiveProbing).toBe(7);
    expect(k.ncsi.publicProbeHosts).toEqual(knowledge().ncsi.publicProbeHosts);
    // The files left alone still come from the copy.
    expect(loadKnowledge(dir, marked(compiled, "windows-builds.yaml")).builds).toEqual({ marker: "windows-builds.yaml" });
  });

  it("a copy made by another validator is not used", () => {
    const compiled = marked(compileKnowledge(dataDir), "ncsi.yaml");
    compiled.validatorSha256 = sha256Hex(Buffer.from("another validator"));
    expect(loadKnowledge(dataDir, compiled).ncsi).toStrictEqual(knowledge().ncsi);
  });

  it("a malformed edit gives the same error, naming the file and the field, with or without a copy", () => {
    const dir = dataCopy("malformed");
    const compiled = compileKnowledge(dir);
    const ncsi = readFileSync(join(dir, "ncsi.yaml"), "utf8");
    expect(ncsi).toMatch(/defaultEnableActiveProbing: *\d+/);
    writeFileSync(join(dir, "ncsi.yaml"), ncsi.replace(/defaultEnableActiveProbing: *\d+/, "defaultEnableActiveProbing: often"));
    expect(() => loadKnowledge(dir, compiled)).toThrow(/^data\/ncsi\.yaml is invalid at defaultEnableActiveProbing: /);
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(message(() => loadKnowledge(dir, compiled))).toBe(message(() => loadKnowledge(dir, undefined)));

    const vendors = readFileSync(join(dir, "vendor-services.yaml"), "utf8");
    const source = /^\s+source: *([\w-]+)/m.exec(vendors);
    expect(source).not.toBeNull();
    writeFileSync(join(dir, "vendor-services.yaml"), vendors.replace(source![0], source![0].replace(source![1], "no-such-source")));
    expect(() => loadKnowledge(dir, compiled)).toThrow('data/vendor-services.yaml: source "no-such-source" is not defined under sources');

    rmSync(join(dir, "vendor-services.yaml"));
    let missing: unknown;
    try {
      loadKnowledge(dir, compiled);
    } catch (e) {
      missing = e;
    }
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: "data-file-missing", path: join(dir, "vendor-services.yaml") });
  });

  it("fixup knowledge: copy used while the bytes match; a malformed edit names file and field", () => {
    const dir = join(dataCopy("fixups"), "fixups");
    const compiled = compileFixupKnowledge(dir);
    expect(loadFixupKnowledge(dir, marked(compiled, "held-services.yaml")).held).toEqual({ marker: "held-services.yaml" });
    const held = readFileSync(join(dir, "held-services.yaml"), "utf8");
    expect(held).toMatch(/group: *windowsUpdate/);
    writeFileSync(join(dir, "held-services.yaml"), held.replace(/group: *windowsUpdate/, "group: sometimes"));
    expect(() => loadFixupKnowledge(dir, marked(compiled, "held-services.yaml"))).toThrow(/^data\/fixups\/held-services\.yaml is invalid at services\.\d+\.group: /);
  });
});

const built = existsSync(join(root, "dist/cli/main.js")) && existsSync(join(root, "dist/windows/knowledge.compiled.json"));

describe.skipIf(!built)("built p2vfix inspect", () => {
  it("loads neither yaml nor zod when the data files are unchanged, and reports as the YAML path does", async () => {
    // Every CommonJS load is listed by NODE_DEBUG=module: the built CLI is one CommonJS bundle
    // (scripts/build-cli.mjs), and packages such as zod and yaml come through its require().
    const run = spawnSync(process.execPath, ["bin/p2vfix.js", "inspect", "--json", "examples/demo-hp-proliant.qcow2"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NODE_DEBUG: "module" },
    });
    expect(run.status, run.stderr).toBe(0);
    const modules = run.stderr.split("\n").filter((l) => /^MODULE \d+: load /.test(l));
    // The list does see what loads: the loader of the bundle (commander is inside it, so no package may show up).
    expect(modules.some((l) => l.includes("/bin/code-cache.js"))).toBe(true);
    expect(modules.filter((l) => /\/node_modules\/(zod|yaml)\//.test(l))).toEqual([]);
    // What the knowledge decides equals what this process (from src/, so through yaml + zod) reports.
    const here = captureOutput();
    expect(await main(["inspect", "--json", join(root, "examples/demo-hp-proliant.qcow2")], here)).toBe(0);
    const knowledgeParts = (json: string) => {
      const r = JSON.parse(json) as InspectReport;
      return {
        schemaVersion: r.schemaVersion,
        vendors: r.services.items.map((s) => [s.name, s.vendor]),
        family: r.installation.family,
        bootStorage: r.bootStorage,
        probesInternet: r.network.ncsi.probesInternet,
        findings: r.findings.map((f) => f.id),
      };
    };
    const built = knowledgeParts(run.stdout);
    expect(built.vendors.some(([, v]) => v !== null)).toBe(true);
    expect(built).toStrictEqual(knowledgeParts(here.stdout()));
  });
});
