/**
 * Fuzzer for the .reg parser and import, with a round-trip oracle: a random hive is exported,
 * the text mutated anywhere (bytes, whole lines, .reg tokens), then imported into an empty hive.
 * Only typed errors (P2vfixError) may escape; an accepted input's export, imported again and
 * exported, must be the same text (export → import → export equal); every 8th input is left
 * unmutated and must come back equal to the original export.
 *
 *   tsx scripts/fuzz-reg-import.ts [--runs N] [--seed S] [--seconds N]
 */
import { P2vfixError } from "../src/errors.js";
import { createHive } from "../src/regf/edit/new-hive.js";
import { regExportBytes } from "../src/regf/export/reg-export.js";
import { applyRegFile } from "../src/regf/import/apply.js";
import { readRegFile } from "../src/regf/import/reg-file.js";
import type { HiveEditor } from "../src/regf/edit/editor.js";
import { isMainModule, prng } from "./fuzz-common.js";
import { runTimedFuzzer } from "./fuzz-timed.js";

const PREFIX = "HKEY_LOCAL_MACHINE\\FUZZ";
const TOKENS = ["\r\n", "\\\r\n  ", "[", "]", "[-", '"', "\\\\", "=", "@=", "=-", "hex:", "hex(7):", "hex(2):", "hex(0):", "dword:", "dword:ffffffff", "00,", ",", ";", "\uffff", "\ud800", "CurrentControlSet", "HKEY_LOCAL_MACHINE\\", "\\"];

export interface FuzzOutcome {
  inputs: number;
  failures: number;
  /** Inputs refused with a typed error. */
  refused: number;
  firstFailure?: string;
}

function exportText(editor: HiveEditor): string {
  const hive = editor.toHive();
  const parts: Buffer[] = [];
  for (const chunk of regExportBytes(hive.root(), { prefix: PREFIX, encoding: "utf8" })) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString("utf8");
}

function importText(text: string): HiveEditor {
  const editor = createHive("ROOT", { now: () => new Date(0) });
  const stream = readRegFile(new Uint8Array(Buffer.from(text, "utf8")), "fuzz.reg");
  applyRegFile(editor, stream.ops, { prefix: PREFIX, source: "fuzz.reg", sizeHint: stream.characters });
  return editor;
}

/** A small hive with names, strings, multi-strings, dwords, binary and a big-data value. */
function randomHive(random: () => number): HiveEditor {
  const editor = createHive("ROOT", { now: () => new Date(0) });
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const names = ["A", "b", "Ключ", "x y", "q\"uote", "back\\slash", "Services", "{GUID-1}", "é"];
  const paths: string[] = [""];
  for (let i = 0; i < 1 + Math.floor(random() * 8); i++) {
    const parent = pick(paths);
    const path = parent === "" ? pick(names) : `${parent}\\${pick(names)}`;
    if (path.split("\\").some((p) => p.includes("\\"))) continue;
    editor.createKey(path);
    paths.push(path);
  }
  for (let i = 0; i < Math.floor(random() * 12); i++) {
    const path = pick(paths);
    const type = pick([1, 2, 3, 4, 7, 11, 0]);
    const size = random() < 0.05 ? 17000 + Math.floor(random() * 20000) : Math.floor(random() * 40);
    const data = new Uint8Array(size).map(() => Math.floor(random() * 256));
    if (type === 1 || type === 2) editor.setValue(path, pick([...names, ""]), type, new Uint8Array(Buffer.from(`${pick(names)}\0`, "utf16le")));
    else if (type === 4) editor.setValue(path, pick(names), type, data.subarray(0, 4).length === 4 ? data.subarray(0, 4) : new Uint8Array(4));
    else editor.setValue(path, pick([...names, ""]), type, data);
  }
  return editor;
}

function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const r = random();
    if (r < 0.3) out = out.slice(0, at) + TOKENS[Math.floor(random() * TOKENS.length)] + out.slice(at);
    else if (r < 0.5) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 8));
    else if (r < 0.7) out = out.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x80)) + out.slice(at + 1);
    else {
      const lines = out.split("\r\n");
      const i = Math.floor(random() * lines.length);
      if (random() < 0.5) lines.splice(i, 1);
      else lines.splice(Math.floor(random() * lines.length), 0, lines[i]);
      out = lines.join("\r\n");
    }
  }
  return out;
}

export function fuzzRegImport(runs: number, seed: number, seconds = Infinity): FuzzOutcome {
  const random = prng(seed);
  const outcome: FuzzOutcome = { inputs: 0, failures: 0, refused: 0 };
  const deadline = Date.now() + seconds * 1000;
  const fail = (why: string) => {
    outcome.failures++;
    outcome.firstFailure ??= why;
  };
  let original = "";
  for (let i = 0; i < runs && Date.now() < deadline; i++) {
    if (i % 32 === 0) original = exportText(randomHive(random));
    const unmutated = i % 8 === 0;
    const text = unmutated ? original : mutate(original, random);
    outcome.inputs++;
    let first: string;
    try {
      first = exportText(importText(text));
    } catch (e) {
      if (e instanceof P2vfixError) {
        if (unmutated) fail(`input ${i} (seed ${seed}): the unmutated export was refused: ${e.describe()}`);
        outcome.refused++;
      } else fail(`input ${i} (seed ${seed}): untyped ${String(e)}`);
      continue;
    }
    if (unmutated && first !== original) {
      fail(`input ${i} (seed ${seed}): export → import → export differs from the original export`);
      continue;
    }
    try {
      const second = exportText(importText(first));
      if (second !== first) fail(`input ${i} (seed ${seed}): an accepted input's export does not come back equal`);
    } catch (e) {
      fail(`input ${i} (seed ${seed}): the export of an accepted input was refused: ${String(e)}`);
    }
  }
  return outcome;
}

if (isMainModule(import.meta.url)) runTimedFuzzer("reg-import", 2000, (runs, seed, seconds) => fuzzRegImport(runs, seed, seconds));
