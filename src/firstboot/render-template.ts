/**
 * The first-boot scripts live as files under data/firstboot/ (PowerShell .ps1, the SetupAPI
 * C# .cs), each valid on its own, so they read, diff and parse like any script. Values enter
 * them only through tags:
 *
 * - A tag is a single-quoted PowerShell string literal, `'{{p2vfix:name}}'`, written where the
 *   value goes (`$maxSteps = '{{p2vfix:maxSteps}}'`, `-Name '{{p2vfix:runnerValue}}'`,
 *   `$r.'{{p2vfix:runnerValue}}'`). A string literal is valid PowerShell in every one of these
 *   places, so the template itself parses without its values.
 * - The renderer replaces the whole literal, quotes included, by the text of a PsValue
 *   (powershell-text.ts): an escaped string literal, an integer, a boolean, a string array, a
 *   bare name, a here-string, or another rendered template. Nothing else is accepted, by type
 *   and at run time; a tag without a value, a value without a tag and a malformed tag throw.
 * - Lines at the top of a file that start with `##` (`//` in a .cs file) are notes for the
 *   reader of the template (what it is, sources) and are not rendered. Line ends are CRLF in every rendered script, whatever the checkout
 *   did to the file; the file's last line end is not part of the script.
 *
 * The files are found like every other data file: data/ of the package (dataDir), which
 * package.json ships.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir } from "../windows/knowledge.js";
import { PsValue } from "./powershell-text.js";

export const TEMPLATE_DIR = join(dataDir, "firstboot");

const cache = new Map<string, string>();

/** A template's script text as rendered: notes dropped, CRLF line ends, no final line end. */
export function templateText(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    const lines = readFileSync(join(TEMPLATE_DIR, file), "utf8").replace(/^\uFEFF/, "").split(/\r?\n/);
    const note = file.endsWith(".cs") ? "//" : "##";
    let first = 0;
    while (first < lines.length && lines[first].startsWith(note)) first++;
    if (lines.length > first && lines[lines.length - 1] === "") lines.pop();
    text = lines.slice(first).join("\r\n");
    cache.set(file, text);
  }
  return text;
}

/** Renders data/firstboot/<file> with its tags filled (see above). */
export function renderTemplate(file: string, values: Readonly<Record<string, PsValue>> = {}): PsValue {
  return PsValue.fillTemplate(templateText(file), values, `data/firstboot/${file}`);
}
