/**
 * The plan file: YAML written by `plan` reads back to the same data; syntax and schema errors
 * are refused naming the line; docs/plan-schema.json is the zod schema's JSON Schema; profiles
 * load and a bad one is refused naming the field.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PlanError } from "../../src/errors.js";
import { parsePlan } from "../../src/plan/load.js";
import { loadProfile, profileNames, resolveOptions } from "../../src/plan/profiles.js";
import { planJsonSchema } from "../../src/plan/schema.js";
import { planToYaml } from "../../src/plan/yaml-writer.js";
import { buildPlan } from "../../src/plan/build.js";
import { loadWindows } from "../../src/windows/load.js";
import { scenariosDir } from "../../scripts/fixtures/build-scenarios.js";
import { cli } from "./helpers.js";

function hpPlan() {
  const loaded = loadWindows(join(scenariosDir, "hp-proliant-2012r2"));
  const profile = loadProfile("p2v-default");
  return buildPlan({ hives: loaded.hives, options: resolveOptions(profile, { target: "hyperv", mac: "00:15:5d:01:0a:02" }), source: "hp", profile: profile.name }).plan;
}

function errorOf(text: string): PlanError {
  try {
    parsePlan(text, "plan.yaml");
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error("no error");
}

describe("plan YAML", () => {
  it("reads back what the writer wrote (scripts as literal blocks, CRLF restored)", () => {
    const plan = hpPlan();
    const text = planToYaml(plan);
    expect(text).toMatch(/^# p2vfix plan/);
    expect(text).toContain("# static-ip: Old static IP off the ghost adapters, onto the new NICs\n  # fixes: stale-static-ip");
    expect(text).toMatch(/script: \|-?\n {8}\$classGuids = /);
    const back = parsePlan(text);
    expect(back.fixups).toEqual(plan.fixups);
    expect(back.firstBoot?.steps.map((s) => s.script)).toEqual(plan.firstBoot?.steps.map((s) => s.script));
  });

  it("a YAML syntax error names its line", () => {
    const text = planToYaml(hpPlan()).split("\n");
    const at = text.findIndex((l) => l.startsWith("fixups:"));
    text.splice(at + 3, 0, "    enabled: [unclosed");
    const err = errorOf(text.join("\n"));
    expect(err.code).toBe("plan-syntax");
    expect(err.line).toBeGreaterThanOrEqual(at + 4);
    expect(err.describe()).toMatch(/plan\.yaml:\d+/);
  });

  it("a schema error names the line of the bad field", () => {
    const text = planToYaml(hpPlan());
    const lines = text.split("\n");
    const dataLine = lines.findIndex((l) => /^\s+data: 0$/.test(l));
    lines[dataLine] = lines[dataLine].replace("data: 0", 'data: "zero"');
    const err = errorOf(lines.join("\n"));
    expect(err.code).toBe("plan-invalid");
    expect(err.message).toMatch(/REG_DWORD data must be an integer/);
    expect(err.line).toBe(dataLine + 1);
  });

  it("an entry with two operations, an unknown key, a bad service Start, a duplicate step id: refused with the line", () => {
    const base = "version: 1\nsource: x\nfixups:\n  - id: a\n    registry:\n";
    expect(errorOf(`${base}      - set: SYSTEM\\A\n        delete-key: SYSTEM\\B\n`).line).toBe(6);
    expect(errorOf(`${base}      - set: SYSTEM\\A\n        name: v\n        type: REG_SZ\n        data: t\n        colour: red\n`).message).toMatch(/colour/);
    const svc = errorOf("version: 1\nsource: x\nfixups:\n  - id: a\n    services:\n      - service: X\n        start: 9\n        originalStart: 2\n        controlSets: [ControlSet001]\n");
    expect(svc.line).toBe(7);
    const steps = "version: 1\nsource: x\nfirstBoot:\n  steps:\n    - { id: a, shell: cmd, script: echo }\n    - { id: A, shell: cmd, script: echo }\n";
    const dup = errorOf(steps);
    expect(dup.code).toBe("duplicate-step-id");
    expect(dup.line).toBe(6);
    expect(errorOf("version: 2\nsource: x\n").line).toBe(1);
  });

  it("a key path must start with a hive name", () => {
    expect(errorOf("version: 1\nsource: x\nfixups:\n  - id: a\n    registry:\n      - create-key: HKLM\\SYSTEM\\A\n").message).toMatch(/hive name/);
  });

  it("random edits of a valid plan never crash the loader: a plan or a PlanError", () => {
    const text = planToYaml(hpPlan());
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.string({ maxLength: 6 }), (at, insert) => {
        const mutated = text.slice(0, at) + insert + text.slice(at + 1);
        try {
          parsePlan(mutated);
        } catch (err) {
          expect(err).toBeInstanceOf(PlanError);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("apply refuses a broken plan with its line, writing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-plan-load-"));
    const plan = join(dir, "plan.yaml");
    writeFileSync(plan, "version: 1\nsource: x\nfixups:\n  - id: a\n    registry:\n      - set: SYSTEM\\A\n        name: v\n        type: REG_DWORD\n        data: -1\n");
    const r = await cli("apply", join(scenariosDir, "hp-proliant-2012r2"), plan);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/plan\.yaml:9/);
  });
});

describe("plan schema and profiles", () => {
  it("docs/plan-schema.json is generated from the zod schema", () => {
    const committed = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../docs/plan-schema.json"), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(planJsonSchema())));
  });

  it("the four built-in profiles load", () => {
    expect(profileNames()).toEqual(["dell-poweredge", "hp-proliant", "p2v-default", "quiet-first-boot"]);
    for (const name of profileNames()) expect(loadProfile(name).options.keepIp).toBe(true);
    expect(loadProfile("quiet-first-boot").options.windowsUpdate.holdUntilConfigured).toBe(true);
    expect(loadProfile("hp-proliant").options.networkStack.resetWinsock).toBe(true);
  });

  it("a profile with an unknown option is refused naming it; command-line overrides win", () => {
    const dir = mkdtempSync(join(tmpdir(), "p2vfix-profile-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "description: x\nsource: y\noptions:\n  ncsi: { mode: shout }\n");
    expect(() => loadProfile(bad)).toThrow(/ncsi\.mode/);
    const p = loadProfile("p2v-default");
    expect(resolveOptions(p, { keepIp: false }).keepIp).toBe(false);
    expect(() => loadProfile("no-such-profile")).toThrow(/built in: dell-poweredge/);
  });
});
