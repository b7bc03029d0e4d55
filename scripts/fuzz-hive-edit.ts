/**
 * Fuzzer for the hive editor and serializer: random edits (keys created, renamed, deleted;
 * values of every size, big data included, set and deleted) on a new or corpus-shaped hive,
 * then the serialized bytes must pass checkHive, read back as the edits say (our reader), and
 * in a sampled mode (every 16th input, when python3-hivex is installed) hivex must read the same
 * keys and values.
 *
 *   tsx scripts/fuzz-hive-edit.ts [--runs N] [--seed S] [--seconds N]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { P2vfixError } from "../src/errors.js";
import { checkHive } from "../src/regf/check/check-hive.js";
import { createHive } from "../src/regf/edit/new-hive.js";
import { Hive } from "../src/regf/hive.js";
import type { RegKey } from "../src/regf/key.js";
import { iterateKeys } from "../src/regf/walk.js";
import { isMainModule, prng } from "./fuzz-common.js";
import { runTimedFuzzer } from "./fuzz-timed.js";

const PYTHON = "/usr/bin/python3";
const HIVEX_DUMP = `
import sys, hivex
h = hivex.Hivex(sys.argv[1])
out = []
def walk(node, path):
    vals = sorted("%s=%d:%s" % (h.value_key(v), h.value_type(v)[0], h.value_value(v)[1].hex()) for v in h.node_values(node))
    out.append(path + "|" + ";".join(vals))
    for c in h.node_children(node):
        walk(c, path + "\\\\" + h.node_name(c))
walk(h.root(), "")
print("\\n".join(sorted(out)))
`;

export interface FuzzOutcome {
  inputs: number;
  failures: number;
  hivexChecked: number;
  firstFailure?: string;
}

/** Our reader's view in hivex's dump format (sorted lines "path|name=type:hex;..."). */
function dump(hive: Hive): string {
  const lines: string[] = [];
  const line = (key: RegKey) => {
    const vals = key.values().map((v) => `${v.name}=${v.type}:${Buffer.from(v.data()).toString("hex")}`).sort();
    return `${key.path === "" ? "" : `\\${key.path}`}|${vals.join(";")}`;
  };
  for (const { key } of iterateKeys(hive.root())) lines.push(line(key));
  return lines.sort().join("\n");
}

/** The same dump from the edits alone (path → values), case kept as last written. */
type Model = Map<string, { path: string; values: Map<string, string> }>;

function modelDump(model: Model): string {
  return [...model.values()].map((k) => `${k.path === "" ? "" : `\\${k.path}`}|${[...k.values.values()].sort().join(";")}`).sort().join("\n");
}

export function fuzzHiveEdit(runs: number, seed: number, seconds = Infinity, hivexEvery = 16): FuzzOutcome {
  const random = prng(seed);
  const outcome: FuzzOutcome = { inputs: 0, failures: 0, hivexChecked: 0 };
  const deadline = Date.now() + seconds * 1000;
  const hasHivex = spawnSync(PYTHON, ["-c", "import hivex"]).status === 0;
  const dir = mkdtempSync(join(tmpdir(), "p2vfix-fuzz-edit-"));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const names = ["A", "b", "Ключ", "Services", "x y", "{G}", "é", "Z9", "long".repeat(20)];
  const fail = (why: string) => {
    outcome.failures++;
    outcome.firstFailure ??= why;
  };
  try {
    for (let i = 0; i < runs && Date.now() < deadline; i++) {
      outcome.inputs++;
      const editor = createHive("ROOT", { now: () => new Date(0), minorVersion: pick([3, 4, 5, 6]) });
      const model: Model = new Map([["", { path: "", values: new Map() }]]);
      const keyOf = (path: string) => path.toUpperCase();
      try {
        for (let e = 0; e < 1 + Math.floor(random() * 40); e++) {
          const paths = [...model.values()].map((k) => k.path);
          const r = random();
          if (r < 0.3) {
            const parent = pick(paths);
            const path = parent === "" ? pick(names) : `${parent}\\${pick(names)}`;
            if (path.split("\\").length > 6 || model.has(keyOf(path))) continue;
            editor.createKey(path);
            model.set(keyOf(path), { path, values: new Map() });
          } else if (r < 0.75) {
            const path = pick(paths);
            const name = pick([...names, ""]);
            const size = random() < 0.08 ? 16345 + Math.floor(random() * 40000) : Math.floor(random() * 64);
            const data = new Uint8Array(size).map(() => Math.floor(random() * 256));
            const type = pick([0, 1, 3, 4, 7, 11]);
            editor.setValue(path, name, type, data);
            model.get(keyOf(path))!.values.set(name.toUpperCase(), `${name}=${type}:${Buffer.from(data).toString("hex")}`);
          } else if (r < 0.85) {
            const path = pick(paths);
            const k = model.get(keyOf(path))!;
            const name = pick([...k.values.keys(), "missing"]);
            editor.deleteValue(path, name);
            k.values.delete(name);
          } else if (paths.length > 1) {
            const path = pick(paths.filter((p) => p !== ""));
            editor.deleteKey(path);
            for (const k of [...model.keys()]) if (k === keyOf(path) || k.startsWith(`${keyOf(path)}\\`)) model.delete(k);
          }
        }
        const bytes = editor.serialize();
        const check = checkHive(bytes);
        if (!check.ok) {
          fail(`input ${i} (seed ${seed}): checkHive fails: ${check.errors.slice(0, 3).map((x) => `${x.code} ${x.message}`).join("; ")}`);
          continue;
        }
        const ours = dump(new Hive(bytes));
        if (ours !== modelDump(model)) {
          fail(`input ${i} (seed ${seed}): the hive read back differs from the edits`);
          continue;
        }
        if (hasHivex && i % hivexEvery === 0) {
          const file = join(dir, `h${i}`);
          writeFileSync(file, bytes);
          const r2 = spawnSync(PYTHON, ["-c", HIVEX_DUMP, file], { encoding: "utf8", maxBuffer: 1 << 28 });
          outcome.hivexChecked++;
          if (r2.status !== 0) fail(`input ${i} (seed ${seed}): hivex cannot read the hive: ${r2.stderr.trim().split("\n").pop()}`);
          else if (r2.stdout.trim() !== ours) fail(`input ${i} (seed ${seed}): hivex reads different keys/values`);
          rmSync(file);
        }
      } catch (e) {
        fail(`input ${i} (seed ${seed}): ${e instanceof P2vfixError ? e.describe() : String(e)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return outcome;
}

if (isMainModule(import.meta.url)) runTimedFuzzer("hive-edit", 500, (runs, seed, seconds) => fuzzHiveEdit(runs, seed, seconds));
