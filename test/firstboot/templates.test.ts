/**
 * The first-boot scripts as data files (data/firstboot/*.ps1, *.cs) and their one renderer:
 * each .ps1 parses on its own, before any value is filled in, with a real PowerShell grammar
 * (tree-sitter-powershell, as the other script tests: it reports unclosed strings, here-strings,
 * brackets and stray closers, shown below); its tags are
 * well formed, all filled by the code and none left after rendering; the renderer takes only
 * escaped values (PsValue) and refuses unknown, unfilled and malformed tags.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PsValue, TAG } from "../../src/firstboot/powershell-text.js";
import { renderTemplate, TEMPLATE_DIR, templateText } from "../../src/firstboot/render-template.js";
import { goldenFiles } from "./golden-scripts.js";
import { parsePowerShell } from "./powershell-grammar.js";

const templates = readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith(".ps1")).sort();
const tagsOf = (text: string): string[] => [...new Set([...text.matchAll(TAG)].map((m) => m[1]))].sort();
const sources = readdirSync(join(import.meta.dirname, "..", "..", "src", "firstboot"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(join(import.meta.dirname, "..", "..", "src", "firstboot", f), "utf8"))
  .join("\n");

describe("data/firstboot templates on their own", () => {
  it("the runner, bootstrap, step loader and child scripts are there", () => {
    expect(templates).toEqual(expect.arrayContaining(["bootstrap.ps1", "runner.ps1", "step-loader.ps1", "step-supervisor.ps1", "pnp-settle.ps1", "process-sweep.ps1", "remove-ghost-devices.ps1", "find-adapter.ps1", "adapter-settings.ps1", "drivers-pnputil.ps1"]));
  });

  it.each(templates)("%s parses as PowerShell with its tags unfilled", async (file) => {
    const text = templateText(file);
    expect((await parsePowerShell(text)).errors).toEqual([]);
    // The whole file too, notes included (they are PowerShell comments).
    expect((await parsePowerShell(readFileSync(join(TEMPLATE_DIR, file), "utf8"))).errors).toEqual([]);
  });

  it.each(templates)("%s: every tag is a quoted '{{p2vfix:name}}' and the code renders the file", (file) => {
    const raw = readFileSync(join(TEMPLATE_DIR, file), "utf8");
    const text = templateText(file);
    // Notes carry no tags (they are not rendered, so a tag there would never be checked).
    expect(tagsOf(raw)).toEqual(tagsOf(text));
    // Nothing tag-like outside the exact form.
    expect(text.replace(TAG, "")).not.toMatch(/\{\{|p2vfix:/);
    expect(sources).toContain(JSON.stringify(file));
  });

  it("the parser does see a broken template (the check can fail)", async () => {
    const broken = templateText("runner.ps1").replace("function Get-Val($path, $name, $default) {", "function Get-Val($path, $name, $default) ");
    expect((await parsePowerShell(broken)).errors.length).toBeGreaterThan(0);
    // Unclosed here-string, strings, paren and brace; a stray closer.
    for (const bad of ["$x = @'\r\nabc\r\n", "$x = 'abc\r\nexit 0", '$x = "abc\r\n', "$x = (1 + 2\r\nexit 0", "if ($a) { $b = 1\r\n", "$x = @(1, 2))\r\n"]) {
      expect((await parsePowerShell(bad)).errors.length, bad).toBeGreaterThan(0);
    }
  });
});

describe("rendered scripts", () => {
  const rendered = goldenFiles();
  const fromTemplates = ["bootstrap-setup.ps1", "bootstrap-service.ps1", "runner.ps1", "step-loader.ps1", "step-supervisor.ps1", "pnp-settle.ps1", "process-sweep.ps1", "step-remove-ghost-devices.ps1", "step-ghosts-default.ps1", "step-adapter-settings.ps1", "step-adapter-settings-2.ps1", "step-drivers-pnputil.ps1"];

  it.each(fromTemplates)("%s has no tag left and only CRLF line ends", (name) => {
    const text = rendered.get(name)!;
    expect(text).not.toMatch(/\{\{|p2vfix:[A-Za-z]/);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });
});

describe("the renderer", () => {
  const template = "$a = '{{p2vfix:a}}'\r\n$b = '{{p2vfix:b}}'";

  it("fills each tag, quotes included, with the value's text", () => {
    expect(PsValue.fillTemplate(template, { a: PsValue.string("it's"), b: PsValue.int(7) }, "t").text).toBe("$a = 'it''s'\r\n$b = 7");
  });

  it("refuses a tag with no value", () => {
    expect(() => PsValue.fillTemplate(template, { a: PsValue.int(1) }, "t")).toThrow(/tag b has no value/);
  });

  it("refuses a value with no tag", () => {
    expect(() => PsValue.fillTemplate(template, { a: PsValue.int(1), b: PsValue.int(2), c: PsValue.int(3) }, "t")).toThrow(/unknown tag c/);
  });

  it("refuses a malformed tag (no quotes, double quotes, bad name)", () => {
    for (const bad of ["$x = {{p2vfix:a}}", '$x = "{{p2vfix:a}}"', "$x = '{{p2vfix:a-b}}'", "$x = '{{ p2vfix:a }}'"]) {
      expect(() => PsValue.fillTemplate(bad, {}, "t"), bad).toThrow(/malformed tag/);
    }
  });

  it("refuses raw strings and look-alike objects, by type and at run time", () => {
    // @ts-expect-error a plain string is not an escaped value
    expect(() => PsValue.fillTemplate(template, { a: "x", b: PsValue.int(1) }, "t")).toThrow(/not an escaped PowerShell value/);
    const lookAlike = Object.create(PsValue.prototype) as PsValue;
    expect(() => PsValue.fillTemplate(template, { a: lookAlike, b: PsValue.int(1) }, "t")).toThrow(/not an escaped PowerShell value/);
    // @ts-expect-error an object with a text field is not one either
    expect(() => PsValue.fillTemplate(template, { a: { text: "x" }, b: PsValue.int(1) }, "t")).toThrow(/not an escaped PowerShell value/);
  });

  it("never reads a value's text as a tag", () => {
    const out = PsValue.fillTemplate(template, { a: PsValue.string("'{{p2vfix:b}}'"), b: PsValue.string("{{p2vfix:a}}") }, "t").text;
    expect(out).toBe("$a = '''{{p2vfix:b}}'''\r\n$b = '{{p2vfix:a}}'");
  });

  it("a rendered template fills another's tag", () => {
    const inner = PsValue.fillTemplate("Write-Output '{{p2vfix:x}}'", { x: PsValue.bool(true) }, "inner");
    expect(PsValue.fillTemplate("if ($c) { '{{p2vfix:body}}' }", { body: inner }, "outer").text).toBe("if ($c) { Write-Output $true }");
  });

  it("checks what it cannot escape", () => {
    expect(() => PsValue.name("Run ner")).toThrow(RangeError);
    expect(() => PsValue.name("x;y")).toThrow(RangeError);
    expect(() => PsValue.int(1.5)).toThrow(RangeError);
    expect(() => PsValue.hereString("a\n'@\nb")).toThrow(/end it/);
    expect(() => PsValue.hereString("a\r\n\u2019@ b")).toThrow(/end it/);
    expect(PsValue.hereString("a\nb '@ c").text).toBe("@'\r\na\r\nb '@ c\r\n'@");
  });

  it("only render-template.ts turns template text into a value", () => {
    const callers = readdirSync(join(import.meta.dirname, "..", "..", "src"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && readFileSync(join(import.meta.dirname, "..", "..", "src", f), "utf8").includes("fillTemplate("))
      .map((f) => f.replace(/\\/g, "/"))
      .sort();
    expect(callers).toEqual(["firstboot/powershell-text.ts", "firstboot/render-template.ts"]);
  });

  it("loads the files from the package's data folder, notes dropped", () => {
    expect(TEMPLATE_DIR).toBe(join(import.meta.dirname, "..", "..", "data", "firstboot"));
    expect(readFileSync(join(TEMPLATE_DIR, "bootstrap.ps1"), "utf8").startsWith("## ")).toBe(true);
    expect(templateText("bootstrap.ps1").startsWith("$m = '{{p2vfix:hook}}'\r\n")).toBe(true);
    expect(templateText("setupapi-remove-device.cs").startsWith("using System;\r\n")).toBe(true);
    expect(() => renderTemplate("bootstrap.ps1", {})).toThrow(/data\/firstboot\/bootstrap.ps1: tag \w+ has no value/);
  });
});
