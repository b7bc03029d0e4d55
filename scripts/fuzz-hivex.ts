/**
 * hivex (libhivex, through python3-hivex) as the reference reader of the regf fuzz target's
 * differential: both readers' key/value trees in one comparable text, names as UTF-16LE hex
 * (mutated names hold any code unit, separators included), values as type and exact bytes.
 */
import { spawnSync } from "node:child_process";
import type { Hive } from "../src/regf/hive.js";
import type { RegKey } from "../src/regf/key.js";

const PYTHON = "/usr/bin/python3";
const DUMP = `
import sys, hivex
sys.setrecursionlimit(10000)
h = hivex.Hivex(sys.argv[1])
out = []
def enc(s): return s.encode("utf-16-le", "surrogatepass").hex()
def walk(node, path):
    vals = sorted("%s=%d:%s" % (enc(h.value_key(v)), h.value_type(v)[0], h.value_value(v)[1].hex()) for v in h.node_values(node))
    out.append(path + "|" + ";".join(vals))
    for c in h.node_children(node):
        walk(c, path + "/" + enc(h.node_name(c)))
walk(h.root(), "")
sys.stdout.write("\\n".join(sorted(out)))
`;

let available: boolean | undefined;

/** True when python3-hivex can be imported. */
export function hasHivex(): boolean {
  available ??= spawnSync(PYTHON, ["-c", "import hivex"]).status === 0;
  return available;
}

const utf16hex = (s: string) => Buffer.from(s, "utf16le").toString("hex");

/** Our reader's tree in the dump's form. Throws what the reader throws. */
export function ourTree(hive: Hive): string {
  const out: string[] = [];
  const walk = (key: RegKey, path: string) => {
    const vals = key.values().map((v) => `${utf16hex(v.name)}=${v.type}:${Buffer.from(v.data()).toString("hex")}`).sort();
    out.push(`${path}|${vals.join(";")}`);
    for (const sub of key.subkeys()) walk(sub, `${path}/${utf16hex(sub.name)}`);
  };
  walk(hive.root(), "");
  return out.sort().join("\n");
}

/** hivex's tree of the hive file at `path`, or undefined when hivex refuses it (with why). */
export function hivexTree(path: string): { tree?: string; refusal?: string } {
  const r = spawnSync(PYTHON, ["-c", DUMP, path], { encoding: "utf8", maxBuffer: 1 << 28, timeout: 20_000 });
  if (r.status !== 0) return { refusal: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").pop() };
  return { tree: r.stdout };
}
