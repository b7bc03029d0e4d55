/** Reads the hive corpus MANIFEST.md table: file name and the "N keys/M values reachable" fact. */
import { readFileSync } from "node:fs";
import { corpusPath } from "../helpers/corpus.js";

export interface ManifestHive {
  file: string;
  what: string;
  facts: string;
  keys?: number;
  values?: number;
  primary: boolean;
}

export function manifestHives(): ManifestHive[] {
  const text = readFileSync(corpusPath("hives/MANIFEST.md"), "utf8");
  const rows: ManifestHive[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("| ")) continue;
    const cols = line.split(/(?<!\\)\|/).map((c) => c.trim());
    // | File | Source | Original | Commit | Size | SHA | License | What | Facts |
    if (cols.length < 11 || !/^\d+$/.test(cols[5])) continue;
    const facts = cols[9];
    const m = /(\d+) keys\/(\d+) values reachable/.exec(facts);
    rows.push({
      file: cols[1],
      what: cols[8],
      facts,
      keys: m ? Number(m[1]) : undefined,
      values: m ? Number(m[2]) : undefined,
      primary: /regf [\d.]+ primary/.test(facts),
    });
  }
  return rows;
}
